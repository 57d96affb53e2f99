namespace EdgeGateway.Hardware.Serial;

/// <summary>Line settings of a serial port: rate and character format (e.g. 9600 8N1).</summary>
public sealed record SerialPortSettings
{
    /// <summary>Bits per second; one of the standard rates (300 … 1000000).</summary>
    public int Baud { get; init; } = 9600;

    /// <summary>Data bits per character, 5 to 8.</summary>
    public int DataBits { get; init; } = 8;

    /// <summary>Parity bit.</summary>
    public SerialParity Parity { get; init; } = SerialParity.None;

    /// <summary>Stop bits.</summary>
    public SerialStopBits StopBits { get; init; } = SerialStopBits.One;

    /// <summary>Whether the port refuses a second open (flock and <c>TIOCEXCL</c>); on by default.</summary>
    public bool Exclusive { get; init; } = true;

    /// <summary>Whether <see cref="Baud"/> is one of the rates termios can set.</summary>
    public static bool IsStandardBaud(int baud) => Native.Termios.SpeedConstant(baud) is not null;

    /// <inheritdoc />
    public override string ToString() =>
        $"{Baud} {DataBits}{Parity.ToString()[0]}{(StopBits == SerialStopBits.One ? "1" : "2")}";
}

/// <summary>Parity of a serial line.</summary>
public enum SerialParity
{
    /// <summary>No parity bit.</summary>
    None,

    /// <summary>Even parity.</summary>
    Even,

    /// <summary>Odd parity.</summary>
    Odd,
}

/// <summary>Stop bits of a serial line.</summary>
public enum SerialStopBits
{
    /// <summary>One stop bit.</summary>
    One,

    /// <summary>Two stop bits.</summary>
    Two,
}
