using System.Globalization;

namespace PipelineBench;

/// <summary>
/// CPU time and memory of other processes (the gateway, or the baseline's mosquitto_sub and kcat), read
/// from /proc and summed over the processes. CPU is utime + stime in clock ticks (threads that ended
/// included); memory is VmRSS (of which RssAnon is anonymous), and VmHWM (the peak RSS the kernel kept) in KiB. A process that has
/// exited counts as zero.
/// </summary>
internal sealed class ProcessWatch(IReadOnlyList<int> pids)
{
    public bool IsEmpty => pids.Count == 0;

    public static ProcessWatch Parse(string? list) =>
        new(string.IsNullOrEmpty(list) ? [] : [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Options.Int)]);

    public long CpuTicks()
    {
        long total = 0;
        foreach (var pid in pids)
        {
            var stat = TryRead($"/proc/{pid}/stat");
            if (stat is null)
            {
                continue;
            }

            // The command name (field 2) may hold spaces: count fields from the last ')'. utime and stime
            // are fields 14 and 15, that is 12th and 13th after it.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            total += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }

        return total;
    }

    public long RssKiB() => StatusField("VmRSS:");

    public long PeakRssKiB() => StatusField("VmHWM:");

    /// <summary>The anonymous part of RSS (heaps, stacks); the rest is file-backed (mapped code, shared with the page cache).</summary>
    public long AnonymousRssKiB() => StatusField("RssAnon:");

    private long StatusField(string name)
    {
        long total = 0;
        foreach (var pid in pids)
        {
            var status = TryRead($"/proc/{pid}/status");
            var line = status?.Split('\n').FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal));
            if (line is not null)
            {
                total += long.Parse(line[name.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return total;
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
