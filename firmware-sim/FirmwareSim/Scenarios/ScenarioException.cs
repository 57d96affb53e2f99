namespace FirmwareSim.Scenarios;

/// <summary>A scenario file that cannot be used; the message names the file, the JSON path and what is wrong.</summary>
public sealed class ScenarioException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ScenarioException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ScenarioException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ScenarioException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
