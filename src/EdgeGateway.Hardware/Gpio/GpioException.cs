namespace EdgeGateway.Hardware.Gpio;

/// <summary>A GPIO chip or line could not be opened, requested, read or written.</summary>
public sealed class GpioException : IOException
{
    /// <summary>Creates an exception with no detail.</summary>
    public GpioException()
        : this("A GPIO operation failed.")
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public GpioException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and a cause.</summary>
    public GpioException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
