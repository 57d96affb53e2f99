using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace EdgeGateway.Observability;

/// <summary>
/// Listens (<see cref="MeterListener"/>) to the instruments of this host's <see cref="GatewayMeter"/> and
/// aggregates their measurements into Prometheus families: counters and up-down counters are summed,
/// observable instruments keep the value of the last collection, histograms count into their advised
/// buckets. Names follow Prometheus conventions: dots become underscores, unit <c>s</c> adds
/// <c>_seconds</c> and <c>By</c> adds <c>_bytes</c>, counters end in <c>_total</c>.
/// </summary>
/// <remarks>
/// Recording takes one uncontended lock per measurement and allocates only for a label set not seen
/// before, so the stages record per commit or per batch, never per reading.
/// </remarks>
public sealed class MetricsCollector : IDisposable
{
    private static readonly double[] DefaultBuckets = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    private readonly Meter _meter;
    private readonly MeterListener _listener = new();
    private readonly List<InstrumentState> _states = [];
    private readonly Lock _collecting = new();

    /// <summary>Starts listening to <paramref name="meter"/>'s instruments (those created before and after).</summary>
    public MetricsCollector(GatewayMeter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        _meter = meter.Meter;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!ReferenceEquals(instrument.Meter, _meter) || InstrumentState.Create(instrument) is not { } state)
            {
                return;
            }

            lock (_states)
            {
                _states.Add(state);
            }

            listener.EnableMeasurementEvents(instrument, state);
        };
        _listener.MeasurementsCompleted = (_, state) =>
        {
            lock (_states)
            {
                _states.Remove((InstrumentState)state!);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>((_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>((_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.Start();
    }

    /// <summary>Observes the observable instruments and returns every family, sorted by name.</summary>
    public IReadOnlyList<MetricFamily> Collect()
    {
        lock (_collecting)
        {
            InstrumentState[] states;
            lock (_states)
            {
                states = [.. _states];
            }

            foreach (var state in states)
            {
                state.BeginCollection();
            }

            try
            {
                _listener.RecordObservableInstruments();
            }
            catch (AggregateException)
            {
                // A failing callback loses only its own series for this scrape; the others were recorded.
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            return [.. states.Select(s => s.Snapshot()).Where(f => names.Add(f.Name)).OrderBy(f => f.Name, StringComparer.Ordinal)];
        }
    }

    /// <summary>Renders <see cref="Collect"/> in the Prometheus text format.</summary>
    public string CollectText() => PrometheusTextWriter.Write(Collect());

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();

    /// <summary>The Prometheus name of an instrument (see the class remarks).</summary>
    public static string PrometheusName(string instrumentName, string? unit, MetricType type)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instrumentName);
        var name = new StringBuilder(Sanitize(instrumentName, allowColon: true));
        var suffix = unit switch
        {
            "s" => "_seconds",
            "By" => "_bytes",
            _ => string.Empty,
        };
        if (suffix.Length > 0 && !name.ToString().EndsWith(suffix, StringComparison.Ordinal))
        {
            name.Append(suffix);
        }

        if (type == MetricType.Counter && !name.ToString().EndsWith("_total", StringComparison.Ordinal))
        {
            name.Append("_total");
        }

        return name.ToString();
    }

    /// <summary>Replaces what a Prometheus metric or label name cannot hold with <c>_</c>.</summary>
    internal static string Sanitize(string name, bool allowColon)
    {
        var result = new StringBuilder(name.Length);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            var ok = char.IsAsciiLetter(c) || c == '_' || (allowColon && c == ':') || (i > 0 && char.IsAsciiDigit(c));
            result.Append(ok ? c : '_');
        }

        return result.ToString();
    }

    private enum Aggregation
    {
        Sum,
        Last,
        Buckets,
    }

    private sealed class InstrumentState
    {
        private readonly string _name;
        private readonly string _help;
        private readonly MetricType _type;
        private readonly Aggregation _aggregation;
        private readonly double[] _bounds;
        private readonly bool _observable;
        private readonly List<SeriesState> _series = [];

        private InstrumentState(string name, string help, MetricType type, Aggregation aggregation, double[] bounds, bool observable)
        {
            _name = name;
            _help = help;
            _type = type;
            _aggregation = aggregation;
            _bounds = bounds;
            _observable = observable;
        }

        public static InstrumentState? Create(Instrument instrument)
        {
            var definition = instrument.GetType().IsGenericType ? instrument.GetType().GetGenericTypeDefinition() : null;
            (MetricType Type, Aggregation Aggregation)? kind = definition switch
            {
                _ when definition == typeof(Counter<>) => (MetricType.Counter, Aggregation.Sum),
                _ when definition == typeof(ObservableCounter<>) => (MetricType.Counter, Aggregation.Last),
                _ when definition == typeof(UpDownCounter<>) => (MetricType.Gauge, Aggregation.Sum),
                _ when definition == typeof(ObservableUpDownCounter<>) || definition == typeof(ObservableGauge<>) || definition == typeof(Gauge<>) => (MetricType.Gauge, Aggregation.Last),
                _ when definition == typeof(Histogram<>) => (MetricType.Histogram, Aggregation.Buckets),
                _ => null,
            };
            if (kind is not { } k)
            {
                return null;
            }

            var bounds = k.Aggregation == Aggregation.Buckets ? BoundsOf(instrument) : [];
            var name = PrometheusName(instrument.Name, instrument.Unit, k.Type);
            return new InstrumentState(name, instrument.Description ?? name, k.Type, k.Aggregation, bounds, instrument.IsObservable);
        }

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            lock (_series)
            {
                var series = Find(tags) ?? Add(tags);
                switch (_aggregation)
                {
                    case Aggregation.Sum:
                        series.Value += value;
                        break;
                    case Aggregation.Last:
                        series.Value = value;
                        break;
                    default:
                        var bucket = 0;
                        while (bucket < _bounds.Length && value > _bounds[bucket])
                        {
                            bucket++;
                        }

                        series.Buckets![bucket]++;
                        series.Value += value;
                        break;
                }
            }
        }

        public void BeginCollection()
        {
            if (_observable)
            {
                lock (_series)
                {
                    // Observable series are what the callbacks report now; a label set they no longer report disappears.
                    _series.Clear();
                }
            }
        }

        public MetricFamily Snapshot()
        {
            lock (_series)
            {
                var series = _series
                    .OrderBy(s => s.SortKey, StringComparer.Ordinal)
                    .Select(s => new MetricSeries(s.Labels, s.Value, s.Buckets is null ? null : new HistogramValue(_bounds, [.. s.Buckets], s.Value)))
                    .ToList();
                return new MetricFamily(_name, _type, _help, series);
            }
        }

        private static double[] BoundsOf(Instrument instrument)
        {
            IReadOnlyList<double>? bounds = instrument switch
            {
                Histogram<double> h => h.Advice?.HistogramBucketBoundaries,
                Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToList(),
                Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToList(),
                _ => null,
            };
            return bounds is { Count: > 0 } ? [.. bounds.Distinct().Order()] : DefaultBuckets;
        }

        private SeriesState? Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var series in _series)
            {
                if (series.Matches(tags))
                {
                    return series;
                }
            }

            return null;
        }

        private SeriesState Add(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var series = new SeriesState(tags, _aggregation == Aggregation.Buckets ? new long[_bounds.Length + 1] : null);
            _series.Add(series);
            return series;
        }
    }

    private sealed class SeriesState
    {
        private readonly string[] _keys;
        private readonly object?[] _values;

        public SeriesState(ReadOnlySpan<KeyValuePair<string, object?>> tags, long[]? buckets)
        {
            _keys = new string[tags.Length];
            _values = new object?[tags.Length];
            var labels = new List<KeyValuePair<string, string>>(tags.Length);
            for (var i = 0; i < tags.Length; i++)
            {
                _keys[i] = tags[i].Key;
                _values[i] = tags[i].Value;
                labels.Add(new(Sanitize(tags[i].Key, allowColon: false), Convert.ToString(tags[i].Value, CultureInfo.InvariantCulture) ?? string.Empty));
            }

            Labels = [.. labels.OrderBy(l => l.Key, StringComparer.Ordinal)];
            SortKey = string.Join('\u0001', Labels.Select(l => $"{l.Key}\u0002{l.Value}"));
            Buckets = buckets;
        }

        public IReadOnlyList<KeyValuePair<string, string>> Labels { get; }

        public string SortKey { get; }

        public long[]? Buckets { get; }

        public double Value { get; set; }

        public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length != _keys.Length)
            {
                return false;
            }

            foreach (var tag in tags)
            {
                var index = Array.IndexOf(_keys, tag.Key);
                if (index < 0 || !Equals(_values[index], tag.Value))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
