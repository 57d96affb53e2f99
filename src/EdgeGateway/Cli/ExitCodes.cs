namespace EdgeGateway.Cli;

/// <summary>The process exit codes, stable for scripts and systemd.</summary>
public static class ExitCodes
{
    /// <summary>Success, or a clean stop on SIGTERM.</summary>
    public const int Success = 0;

    /// <summary>A failure while running (a critical loop died); systemd restarts the service.</summary>
    public const int Failure = 1;

    /// <summary>The configuration or the command line is invalid; restarting will not help.</summary>
    public const int InvalidConfiguration = 2;
}
