using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using EdgeGateway.Domain;

namespace EdgeGateway.Decoding;

/// <summary>
/// Device ids seen before, looked up by their characters, so decoding a message from a known device
/// allocates no string for its id. At 50k messages/s this matters more than the lookup costs.
/// </summary>
/// <remarks>
/// Bounded: once <see cref="Capacity"/> ids are cached (a city's devices are far fewer), new ids are
/// still returned, only not kept. Only valid ids are cached, so junk input cannot fill it with junk.
/// </remarks>
internal static class DeviceIdCache
{
    public const int Capacity = 16_384;

    private static readonly ConcurrentDictionary<string, DeviceId> Ids = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, DeviceId>.AlternateLookup<ReadOnlySpan<char>> ByChars =
        Ids.GetAlternateLookup<ReadOnlySpan<char>>();

    private static int _count;

    public static bool TryGet(ReadOnlySpan<char> text, out DeviceId id, [NotNullWhen(false)] out string? problem)
    {
        if (ByChars.TryGetValue(text, out id))
        {
            problem = null;
            return true;
        }

        if (text.Length > DeviceId.MaxLength)
        {
            // Checked before making a string of it: a hostile payload may hold a megabyte here.
            problem = $"it is longer than {DeviceId.MaxLength} characters";
            return false;
        }

        var value = text.ToString();
        if (!DeviceId.IsValid(value, out problem))
        {
            return false;
        }

        id = new DeviceId(value);
        if (Volatile.Read(ref _count) < Capacity && Ids.TryAdd(value, id))
        {
            Interlocked.Increment(ref _count);
        }

        return true;
    }
}

/// <summary>
/// Metric names and units seen in payloads, looked up by their characters so that a known name costs no
/// allocation. Bounded like <see cref="DeviceIdCache"/>; callers validate names before asking.
/// </summary>
internal static class NameCache
{
    public const int Capacity = 4_096;

    private static readonly ConcurrentDictionary<string, string> Names = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> ByChars =
        Names.GetAlternateLookup<ReadOnlySpan<char>>();

    private static int _count;

    public static string Get(ReadOnlySpan<char> text)
    {
        if (ByChars.TryGetValue(text, out var name))
        {
            return name;
        }

        name = text.ToString();
        if (Volatile.Read(ref _count) < Capacity && Names.TryAdd(name, name))
        {
            Interlocked.Increment(ref _count);
        }

        return name;
    }
}
