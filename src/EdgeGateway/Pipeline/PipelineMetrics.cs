using System.Diagnostics.Metrics;
using EdgeGateway.Domain;
using EdgeGateway.Observability;

namespace EdgeGateway.Pipeline;

/// <summary>
/// The ingest path's instruments: readings committed to the buffer by source kind and device type
/// (counted once per ingest call, after its commit), and dead letters by reason (read from the
/// ingestor's own counters when collected, so bad input costs nothing extra).
/// </summary>
public sealed class PipelineMetrics
{
    private static readonly string[] SourceNames = [.. Enum.GetValues<SourceKind>().Select(k => k.ToString().ToLowerInvariant())];

    private readonly Counter<long> _received;
    private readonly Meter _meter;

    /// <summary>Creates the instruments on the gateway's meter.</summary>
    public PipelineMetrics(GatewayMeter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        _meter = meter.Meter;
        _received = _meter.CreateCounter<long>(
            "edgegateway.readings.received", "{reading}", "Readings decoded, given their device context and committed to the buffer, by source kind and device type");
    }

    /// <summary>The label value of a source kind (<c>mqtt</c>, <c>serial</c>, <c>gpio</c>).</summary>
    public static string SourceName(SourceKind kind) => (uint)kind < (uint)SourceNames.Length ? SourceNames[(int)kind] : "other";

    /// <summary>Reports the dead letters by reason from <paramref name="statistics"/> (called once, by the ingestor).</summary>
    internal void Observe(Func<IngestStatistics> statistics)
    {
        _meter.CreateObservableCounter(
            "edgegateway.dead_letters",
            () => statistics().DeadLetteredByReason.Select(p => new Measurement<long>(p.Value, new KeyValuePair<string, object?>("reason", p.Key))),
            "{message}",
            "Messages or readings dead-lettered by the ingest path, by reason (malformed-json, unknown-device, ...)");
    }

    /// <summary>Counts committed readings: <paramref name="committed"/> holds one (source, device type) per reading, in ingest order.</summary>
    internal void Received(List<(SourceKind Source, string DeviceType)> committed)
    {
        // Runs of the same source and type add once: an ingest call rarely mixes many device types.
        var start = 0;
        for (var i = 1; i <= committed.Count; i++)
        {
            if (i == committed.Count || committed[i] != committed[start])
            {
                _received.Add(
                    i - start,
                    new KeyValuePair<string, object?>("source", SourceName(committed[start].Source)),
                    new KeyValuePair<string, object?>("device_type", committed[start].DeviceType));
                start = i;
            }
        }
    }
}
