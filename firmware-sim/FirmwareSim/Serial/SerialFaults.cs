using FirmwareSim.Faults;
using FirmwareSim.Running;

namespace FirmwareSim.Serial;

/// <summary>
/// Serial faults on one frame or sentence, drawn from the device's fault stream in a fixed order: a
/// wrong checksum (protocols that have one), random bytes before it, and bits flipped on the line.
/// </summary>
public static class SerialFaults
{
    /// <summary>Returns the bytes as they go on the line (the same array when no fault hit it).</summary>
    public static byte[] Apply(byte[] frame, SerialProtocol protocol, Random random, FaultSettings faults, SimulatorStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(faults);
        ArgumentNullException.ThrowIfNull(statistics);
        if (faults.BadChecksum > 0 && random.NextDouble() < faults.BadChecksum && CorruptChecksum(frame, protocol, random) is { } corrupted)
        {
            frame = corrupted;
            statistics.Fault(FaultKind.BadChecksum);
        }

        if (faults.Garbage > 0 && random.NextDouble() < faults.Garbage)
        {
            var garbage = new byte[1 + random.Next(16)];
            random.NextBytes(garbage);
            frame = [.. garbage, .. frame];
            statistics.Fault(FaultKind.Garbage);
        }

        if (faults.LineNoise > 0)
        {
            byte[]? noisy = null;
            for (var i = 0; i < frame.Length; i++)
            {
                if (random.NextDouble() < faults.LineNoise)
                {
                    noisy ??= (byte[])frame.Clone();
                    noisy[i] ^= (byte)(1 << random.Next(8));
                    statistics.Fault(FaultKind.LineNoise);
                }
            }

            frame = noisy ?? frame;
        }

        return frame;
    }

    /// <summary>A copy with a checksum that cannot match; null for protocols without one (CSV, JSON lines).</summary>
    public static byte[]? CorruptChecksum(byte[] frame, SerialProtocol protocol, Random random)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ArgumentNullException.ThrowIfNull(random);
        var position = protocol switch
        {
            SerialProtocol.Pms5003 => frame.Length - 1,
            SerialProtocol.Sds011 => frame.Length - 2,
            SerialProtocol.ModbusRtu => frame.Length - 1,
            SerialProtocol.Nmea => Array.LastIndexOf(frame, (byte)'*') + 2,
            _ => -1,
        };
        if (position < 0 || position >= frame.Length)
        {
            return null;
        }

        var copy = (byte[])frame.Clone();
        if (protocol == SerialProtocol.Nmea)
        {
            // The second hex digit of *hh becomes another hex digit.
            const string Hex = "0123456789ABCDEF";
            var current = Hex.IndexOf((char)copy[position], StringComparison.Ordinal);
            copy[position] = (byte)Hex[(current + 1 + random.Next(15)) % 16];
        }
        else
        {
            copy[position] ^= (byte)(1 + random.Next(255));
        }

        return copy;
    }
}
