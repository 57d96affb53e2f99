namespace EdgeGateway.Hardware.Serial;

/// <summary>A serial port could not be opened, configured, read or written; <see cref="Error"/> says why.</summary>
public sealed class SerialPortException : IOException
{
    /// <summary>Creates an exception with no detail.</summary>
    public SerialPortException()
        : this("A serial port operation failed.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public SerialPortException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and a cause.</summary>
    public SerialPortException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception for <paramref name="path"/>.</summary>
    public SerialPortException(SerialPortError error, string path, string message, int errno = 0)
        : base(message)
    {
        Error = error;
        Path = path;
        Errno = errno;
    }

    /// <summary>What went wrong.</summary>
    public SerialPortError Error { get; } = SerialPortError.Io;

    /// <summary>The device path.</summary>
    public string Path { get; } = string.Empty;

    /// <summary>The C library's errno, or 0.</summary>
    public int Errno { get; }
}

/// <summary>Kinds of serial port failure, so callers can tell "unplugged" from "misconfigured".</summary>
public enum SerialPortError
{
    /// <summary>Another I/O error.</summary>
    Io,

    /// <summary>The device path does not exist (unplugged, or a wrong name).</summary>
    NotFound,

    /// <summary>The user may not open it (not in the <c>dialout</c> group).</summary>
    PermissionDenied,

    /// <summary>Another process holds it.</summary>
    Busy,

    /// <summary>The path is not a terminal device.</summary>
    NotATerminal,

    /// <summary>The settings are not supported (e.g. a non-standard baud rate).</summary>
    InvalidSettings,

    /// <summary>The device went away while open (hang-up, USB adapter unplugged).</summary>
    Disconnected,
}
