using System.Globalization;
using System.Text;
using FirmwareSim.Devices;

namespace FirmwareSim.Faults;

/// <summary>The faults decided for one scheduled message.</summary>
/// <param name="Malformed">Corrupt its payload.</param>
/// <param name="Duplicate">Send it twice.</param>
/// <param name="OutOfOrder">Hold it back until after the next one.</param>
/// <param name="FutureTimestamp">Shift its time ahead.</param>
/// <param name="Burst">Send more samples right after it.</param>
/// <param name="Disconnect">Drop the connection after it.</param>
/// <param name="FirmwareChange">Change the firmware before it.</param>
public readonly record struct MessageFaultDecision(
    bool Malformed,
    bool Duplicate,
    bool OutOfOrder,
    bool FutureTimestamp,
    bool Burst,
    bool Disconnect,
    bool FirmwareChange);

/// <summary>Decides and applies message faults, drawing from a device's fault stream.</summary>
public static class MessageFaults
{
    /// <summary>Draws the faults of one message: one draw per fault whose rate is above zero, in a fixed order.</summary>
    public static MessageFaultDecision Decide(Random random, FaultSettings settings)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(settings);
        return new MessageFaultDecision(
            Draw(random, settings.Malformed),
            Draw(random, settings.Duplicate),
            Draw(random, settings.OutOfOrder),
            Draw(random, settings.FutureTimestamp),
            Draw(random, settings.Burst),
            Draw(random, settings.Disconnect),
            Draw(random, settings.FirmwareChange));
    }

    /// <summary>Whether device <paramref name="deviceId"/> is one of the slow ones (its own seeded draw).</summary>
    public static bool IsSlow(long seed, string deviceId, double fraction) =>
        fraction > 0 && DeviceSeeds.Create(seed, deviceId, "slow").NextDouble() < fraction;

    /// <summary>
    /// A malformed copy of a JSON payload, one of three kinds a decoder must refuse: cut short, a byte
    /// that is not UTF-8 in place of a bracket, colon or comma, or the last value replaced by a bare <c>NaN</c>.
    /// </summary>
    public static byte[] Corrupt(Random random, byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(payload);
        switch (random.Next(3))
        {
            case 0:
                return payload[..Math.Max(1, payload.Length / 2)];
            case 1:
                // In place of a structural character, so the result is neither UTF-8 nor JSON (a lenient
                // reader may accept a bad byte inside a string).
                var copy = (byte[])payload.Clone();
                var structural = Enumerable.Range(0, copy.Length).Where(i => copy[i] is (byte)'{' or (byte)'}' or (byte)'[' or (byte)']' or (byte)':' or (byte)',').ToList();
                copy[structural.Count > 0 ? structural[random.Next(structural.Count)] : random.Next(copy.Length)] = 0xFF;
                return copy;
            default:
                var text = Encoding.UTF8.GetString(payload);
                var colon = text.LastIndexOf(':');
                var end = text.IndexOfAny(['}', ','], colon + 1);
                return colon < 0 || end < 0 ? [0xFF] : Encoding.UTF8.GetBytes(string.Concat(text.AsSpan(0, colon + 1), "NaN", text.AsSpan(end)));
        }
    }

    /// <summary>The next firmware version: the last number goes up by one (<c>2.4.1</c> → <c>2.4.2</c>).</summary>
    public static string NextFirmware(string firmware)
    {
        ArgumentNullException.ThrowIfNull(firmware);
        var dot = firmware.LastIndexOf('.');
        var last = firmware[(dot + 1)..];
        return int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number < int.MaxValue
            ? string.Concat(firmware.AsSpan(0, dot + 1), (number + 1).ToString(CultureInfo.InvariantCulture))
            : firmware + ".1";
    }

    private static bool Draw(Random random, double rate) => rate > 0 && random.NextDouble() < rate;
}
