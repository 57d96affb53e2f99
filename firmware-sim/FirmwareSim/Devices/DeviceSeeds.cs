using System.Text;

namespace FirmwareSim.Devices;

/// <summary>
/// Derives the seed of each random stream from the run's seed and the device id, so a device's values
/// depend only on (seed, id, purpose): the same with 10 or 10,000 devices in the fleet, in any order,
/// on any machine. FNV-1a (64-bit) is used because <see cref="string.GetHashCode()"/> changes per process.
/// </summary>
public static class DeviceSeeds
{
    private const ulong OffsetBasis = 14695981039346656037;
    private const ulong Prime = 1099511628211;

    /// <summary>The seed of the stream named <paramref name="purpose"/> (e.g. <c>signal</c>, <c>faults</c>) of one device.</summary>
    public static int Derive(long seed, string deviceId, string purpose)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        ArgumentNullException.ThrowIfNull(purpose);
        var hash = OffsetBasis;
        Span<byte> seedBytes = stackalloc byte[sizeof(long)];
        BitConverter.TryWriteBytes(seedBytes, seed);
        hash = Mix(hash, seedBytes);
        hash = Mix(hash, Encoding.UTF8.GetBytes(deviceId));
        hash = Mix(hash, [0]);
        hash = Mix(hash, Encoding.UTF8.GetBytes(purpose));
        return (int)(hash ^ (hash >> 32));
    }

    /// <summary>A new <see cref="Random"/> for the stream named <paramref name="purpose"/> of one device.</summary>
    public static Random Create(long seed, string deviceId, string purpose) => new(Derive(seed, deviceId, purpose));

    private static ulong Mix(ulong hash, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            hash ^= b;
            hash *= Prime;
        }

        return hash;
    }
}
