namespace FirmwareSim.Cli;

/// <summary>The exit codes of <c>firmware-sim</c>.</summary>
public static class ExitCodes
{
    /// <summary>The run finished (its duration, or Ctrl+C / SIGTERM).</summary>
    public const int Success = 0;

    /// <summary>The run failed (the broker could not be reached, a pseudo-terminal could not be made).</summary>
    public const int Failure = 1;

    /// <summary>The command line or the scenario file is invalid.</summary>
    public const int InvalidArguments = 2;
}
