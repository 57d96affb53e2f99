using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using EdgeGateway.StreamProcessor.Ingest;
using Microsoft.Data.Sqlite;

namespace EdgeGateway.StreamProcessor.State;

/// <summary>What one <c>ingest_readings</c> call did (the JSON-RPC result the gateway gets).</summary>
/// <param name="BatchId">The batch id.</param>
/// <param name="DuplicateBatch">True when this batch id had been processed before: nothing was applied again.</param>
/// <param name="Accepted">Readings applied to their windows.</param>
/// <param name="Duplicates">Readings already seen (by device + sequence + metric, or the whole batch).</param>
/// <param name="Late">Readings whose window had already closed (kept as latest values, counted, not windowed).</param>
/// <param name="WindowsClosed">Windows this batch closed (sent to the window topic).</param>
/// <param name="AlertsChanged">Alerts this batch raised or cleared.</param>
internal sealed record IngestOutcome(string BatchId, bool DuplicateBatch, int Accepted, int Duplicates, int Late, int WindowsClosed, int AlertsChanged)
{
    /// <summary>The batch's encrypted values and what became of them, or null when it had none (or was a duplicate).</summary>
    public EncryptedValues? Encrypted { get; init; }
}

/// <summary>A record waiting in the outbox for Kafka's acknowledgement.</summary>
/// <param name="Id">Its row id.</param>
/// <param name="Topic">The topic.</param>
/// <param name="Key">The key (the device id).</param>
/// <param name="Value">The JSON value.</param>
internal sealed record OutboxRecord(long Id, string Topic, string Key, string Value);

/// <summary>
/// The processor's state and every change to it, each in one SQLite transaction (see
/// <see cref="StateDatabase"/>). Calls are serialised within the process; other processes on the same
/// file wait for SQLite's write lock. Window and alert records are written to the outbox in the same
/// transaction as the state that produced them, so none is lost between a commit and Kafka.
/// </summary>
internal sealed class ProcessorState : IDisposable
{
    // Records are for people and other consumers too: keep '>' and '<' of rule names readable.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly SqliteConnection _db;
    private readonly ProcessorOptions _options;
    private readonly WindowSettings _windows;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _gate = new();

    /// <summary>Opens the state file named in <paramref name="options"/>.</summary>
    public ProcessorState(ProcessorOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _windows = options.WindowSettings;
        _timeProvider = timeProvider;
        _db = StateDatabase.Open(options.StatePath);
    }

    /// <summary>Raised after a commit that put records in the outbox.</summary>
    public event Action? OutboxWritten;

    /// <summary>Applies a batch: drops it whole if its id was seen, else drops duplicate readings and updates everything else.</summary>
    public IngestOutcome Ingest(IngestBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        IngestOutcome outcome;
        lock (_gate)
        {
            var now = Now();
            using var transaction = _db.BeginTransaction();
            if (Scalar(transaction, "SELECT count(*) FROM batches WHERE id = $id", ("$id", batch.Id)) > 0)
            {
                AddCounters(transaction, ("duplicate_batches", 1), ("duplicates", batch.Readings.Count));
                transaction.Commit();
                return new IngestOutcome(batch.Id, true, 0, batch.Readings.Count, 0, 0, 0);
            }

            foreach (var device in batch.Devices.Values)
            {
                Execute(
                    transaction,
                    """
                    INSERT INTO devices(id, gateway, revision, context, updated_at) VALUES($id, $gateway, $revision, $context, $now)
                    ON CONFLICT(id) DO UPDATE SET gateway = excluded.gateway, revision = excluded.revision, context = excluded.context, updated_at = excluded.updated_at
                    WHERE excluded.revision >= devices.revision
                    """,
                    ("$id", device.Id), ("$gateway", batch.GatewayId), ("$revision", device.Revision), ("$context", device.Json), ("$now", now));
            }

            var series = new Dictionary<(string Device, string Metric), SeriesWindows>();
            var closed = new List<WindowAggregate>();
            int accepted = 0, duplicates = 0, late = 0, windowsClosed = 0, alertsChanged = 0;
            foreach (var reading in batch.Readings)
            {
                if (Execute(transaction, "INSERT OR IGNORE INTO seen(device, seq, metric, at) VALUES($d, $s, $m, $now)", ("$d", reading.Device), ("$s", reading.Sequence), ("$m", reading.Metric), ("$now", now)) == 0)
                {
                    duplicates++;
                    continue;
                }

                var key = (reading.Device, reading.Metric);
                if (!series.TryGetValue(key, out var state))
                {
                    state = LoadSeries(transaction, reading.Device, reading.Metric);
                    series.Add(key, state);
                }

                closed.Clear();
                if (TumblingWindows.Add(state, reading.EventTime, reading.Value, reading.Unit, _windows, closed))
                {
                    accepted++;
                }
                else
                {
                    late++;
                }

                foreach (var window in closed)
                {
                    SaveWindow(transaction, reading.Device, reading.Metric, window, closedNow: true, now);
                    Enqueue(transaction, _options.WindowTopic, reading.Device, WindowRecord(batch.GatewayId, reading.Device, reading.Metric, window, "watermark"));
                    windowsClosed++;
                }

                if (UpdateLatest(transaction, batch.GatewayId, reading))
                {
                    alertsChanged += EvaluateAlerts(transaction, batch.GatewayId, reading, now);
                }
            }

            foreach (var ((device, metric), state) in series)
            {
                SaveSeries(transaction, batch.GatewayId, device, metric, state, now);
            }

            Execute(
                transaction,
                "INSERT INTO batches(id, gateway, at, accepted, duplicates, late) VALUES($id, $gateway, $now, $accepted, $duplicates, $late)",
                ("$id", batch.Id), ("$gateway", batch.GatewayId), ("$now", now), ("$accepted", accepted), ("$duplicates", duplicates), ("$late", late));
            AddCounters(transaction, ("batches", 1), ("accepted", accepted), ("duplicates", duplicates), ("late", late), ("windows", windowsClosed), ("alerts", alertsChanged));
            if (batch.Encrypted is { } encrypted)
            {
                // Per key id too, so an operator sees which key is missing or wrong (get_counters).
                AddCounters(
                    transaction,
                    ("encrypted_decrypted", encrypted.Decrypted),
                    ("encrypted_without_key", encrypted.WithoutKey),
                    ($"encrypted_without_key:kid={encrypted.KeyId}", encrypted.WithoutKey),
                    ("decryption_failed", encrypted.Failed),
                    ($"decryption_failed:kid={encrypted.KeyId}", encrypted.Failed));
            }

            transaction.Commit();
            outcome = new IngestOutcome(batch.Id, false, accepted, duplicates, late, windowsClosed, alertsChanged) { Encrypted = batch.Encrypted };
        }

        if (outcome.WindowsClosed + outcome.AlertsChanged > 0)
        {
            OutboxWritten?.Invoke();
        }

        return outcome;
    }

    /// <summary>Counts a batch that was refused (schema violation, not JSON-RPC).</summary>
    public void CountRejected()
    {
        lock (_gate)
        {
            using var transaction = _db.BeginTransaction();
            AddCounters(transaction, ("rejected_batches", 1));
            transaction.Commit();
        }
    }

    /// <summary>Closes the windows of series that went quiet (see <see cref="WindowSettings.IdleTimeout"/>); returns how many.</summary>
    public int CloseIdleWindows()
    {
        var count = 0;
        lock (_gate)
        {
            var now = Now();
            using var transaction = _db.BeginTransaction();
            List<(string Device, string Metric, string Gateway)> due = [];
            using (var command = Command(
                transaction,
                "SELECT DISTINCT w.device, w.metric, s.gateway FROM windows w JOIN series s ON s.device = w.device AND s.metric = w.metric WHERE w.closed = 0 AND w.end <= $limit",
                ("$limit", now - _windows.LatenessMs - _windows.IdleMs)))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    due.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
                }
            }

            var closed = new List<WindowAggregate>();
            foreach (var (device, metric, gateway) in due)
            {
                var state = LoadSeries(transaction, device, metric);
                closed.Clear();
                TumblingWindows.CloseIdle(state, now, _windows, closed);
                foreach (var window in closed)
                {
                    SaveWindow(transaction, device, metric, window, closedNow: true, now);
                    Enqueue(transaction, _options.WindowTopic, device, WindowRecord(gateway, device, metric, window, "idle"));
                    count++;
                }

                SaveSeries(transaction, gateway, device, metric, state, now);
            }

            if (count > 0)
            {
                AddCounters(transaction, ("windows", count));
            }

            transaction.Commit();
        }

        if (count > 0)
        {
            OutboxWritten?.Invoke();
        }

        return count;
    }

    /// <summary>Forgets what is older than the retention periods.</summary>
    public void Prune()
    {
        lock (_gate)
        {
            var now = Now();
            using var transaction = _db.BeginTransaction();
            var dedup = now - (long)_options.DedupRetention.TotalMilliseconds;
            Execute(transaction, "DELETE FROM seen WHERE at < $t", ("$t", dedup));
            Execute(transaction, "DELETE FROM batches WHERE at < $t", ("$t", dedup));
            Execute(transaction, "DELETE FROM windows WHERE closed = 1 AND end < $t", ("$t", now - (long)_options.WindowRetention.TotalMilliseconds));
            transaction.Commit();
        }
    }

    /// <summary>
    /// Claims up to <paramref name="limit"/> outbox records for <paramref name="lease"/> (another instance
    /// on the same file takes them over if this one dies before deleting them), oldest first.
    /// </summary>
    public IReadOnlyList<OutboxRecord> ClaimOutbox(int limit, TimeSpan lease)
    {
        lock (_gate)
        {
            var now = Now();
            using var transaction = _db.BeginTransaction();
            using var command = Command(
                transaction,
                "UPDATE outbox SET claimed_until = $until WHERE id IN (SELECT id FROM outbox WHERE claimed_until < $now ORDER BY id LIMIT $limit) RETURNING id, topic, key, value",
                ("$until", now + (long)lease.TotalMilliseconds), ("$now", now), ("$limit", limit));
            var records = new List<OutboxRecord>();
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    records.Add(new OutboxRecord(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
                }
            }

            transaction.Commit();
            records.Sort((a, b) => a.Id.CompareTo(b.Id));
            return records;
        }
    }

    /// <summary>Removes records Kafka acknowledged.</summary>
    public void DeleteOutbox(IEnumerable<long> ids)
    {
        lock (_gate)
        {
            using var transaction = _db.BeginTransaction();
            foreach (var id in ids)
            {
                Execute(transaction, "DELETE FROM outbox WHERE id = $id", ("$id", id));
            }

            transaction.Commit();
        }
    }

    /// <summary>The counters now.</summary>
    public IReadOnlyDictionary<string, long> Counters()
    {
        lock (_gate)
        {
            return StateDatabase.ReadCounters(_db);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _db.Dispose();

    /// <summary>The JSON of a window record (the window topic's value, also what <c>--stdout</c> prints).</summary>
    internal static string WindowRecord(string gateway, string device, string metric, WindowAggregate window, string closedBy)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("kind", "window");
            json.WriteString("gatewayId", gateway);
            json.WriteString("deviceId", device);
            json.WriteString("metric", metric);
            if (window.Unit is not null)
            {
                json.WriteString("unit", window.Unit);
            }

            json.WriteString("start", DateTimeOffset.FromUnixTimeMilliseconds(window.Start));
            json.WriteString("end", DateTimeOffset.FromUnixTimeMilliseconds(window.End));
            json.WriteNumber("count", window.Count);
            json.WriteNumber("min", window.Min);
            json.WriteNumber("max", window.Max);
            json.WriteNumber("mean", window.Mean);
            json.WriteNumber("last", window.Last);
            json.WriteString("closedBy", closedBy);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static string AlertRecord(string gateway, IngestReading reading, AlertRule rule, bool raised)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("kind", raised ? "alert-raised" : "alert-cleared");
            json.WriteString("gatewayId", gateway);
            json.WriteString("deviceId", reading.Device);
            json.WriteString("metric", reading.Metric);
            json.WriteString("rule", rule.Name);
            json.WriteNumber("threshold", rule.Threshold);
            json.WriteNumber("value", reading.Value);
            if (reading.Unit is not null)
            {
                json.WriteString("unit", reading.Unit);
            }

            json.WriteString("eventTime", DateTimeOffset.FromUnixTimeMilliseconds(reading.EventTime));
            json.WriteNumber("sequence", reading.Sequence);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private long Now() => _timeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    private SeriesWindows LoadSeries(SqliteTransaction transaction, string device, string metric)
    {
        var state = new SeriesWindows();
        using (var command = Command(transaction, "SELECT watermark, closed_through, late FROM series WHERE device = $d AND metric = $m", ("$d", device), ("$m", metric)))
        using (var reader = command.ExecuteReader())
        {
            if (reader.Read())
            {
                state.Watermark = reader.GetInt64(0);
                state.ClosedThrough = reader.GetInt64(1);
                state.Late = reader.GetInt64(2);
            }
        }

        using (var command = Command(transaction, "SELECT start, end, unit, count, min, max, sum, last, last_time FROM windows WHERE device = $d AND metric = $m AND closed = 0", ("$d", device), ("$m", metric)))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var window = new WindowAggregate(reader.GetInt64(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetString(2))
                {
                    Count = reader.GetInt64(3),
                    Min = reader.GetDouble(4),
                    Max = reader.GetDouble(5),
                    Sum = reader.GetDouble(6),
                    Last = reader.GetDouble(7),
                    LastTime = reader.GetInt64(8),
                };
                state.Open.Add(window.Start, window);
            }
        }

        return state;
    }

    private void SaveSeries(SqliteTransaction transaction, string gateway, string device, string metric, SeriesWindows state, long now)
    {
        if (!state.Dirty)
        {
            return;
        }

        Execute(
            transaction,
            """
            INSERT INTO series(device, metric, watermark, closed_through, late, gateway) VALUES($d, $m, $wm, $ct, $late, $g)
            ON CONFLICT(device, metric) DO UPDATE SET watermark = excluded.watermark, closed_through = excluded.closed_through, late = excluded.late, gateway = excluded.gateway
            """,
            ("$d", device), ("$m", metric), ("$wm", state.Watermark), ("$ct", state.ClosedThrough), ("$late", state.Late), ("$g", gateway));
        foreach (var window in state.Open.Values)
        {
            SaveWindow(transaction, device, metric, window, closedNow: false, now);
        }
    }

    private void SaveWindow(SqliteTransaction transaction, string device, string metric, WindowAggregate window, bool closedNow, long now) =>
        Execute(
            transaction,
            "INSERT OR REPLACE INTO windows(device, metric, start, end, unit, count, min, max, sum, last, last_time, closed, updated_at) VALUES($d, $m, $start, $end, $unit, $count, $min, $max, $sum, $last, $lt, $closed, $now)",
            ("$d", device), ("$m", metric), ("$start", window.Start), ("$end", window.End), ("$unit", window.Unit), ("$count", window.Count),
            ("$min", window.Min), ("$max", window.Max), ("$sum", window.Sum), ("$last", window.Last), ("$lt", window.LastTime), ("$closed", closedNow ? 1 : 0), ("$now", now));

    /// <summary>Makes the reading its series' latest unless a newer one is there; true when it became the latest.</summary>
    private bool UpdateLatest(SqliteTransaction transaction, string gateway, IngestReading reading) =>
        Execute(
            transaction,
            """
            INSERT INTO latest(device, metric, value, unit, event_time, receive_time, seq, flags, gateway) VALUES($d, $m, $v, $u, $t, $r, $s, $q, $g)
            ON CONFLICT(device, metric) DO UPDATE SET value = excluded.value, unit = excluded.unit, event_time = excluded.event_time, receive_time = excluded.receive_time,
                seq = excluded.seq, flags = excluded.flags, gateway = excluded.gateway
            WHERE excluded.event_time >= latest.event_time
            """,
            ("$d", reading.Device), ("$m", reading.Metric), ("$v", reading.Value), ("$u", reading.Unit), ("$t", reading.EventTime), ("$r", reading.ReceiveTime),
            ("$s", reading.Sequence), ("$q", reading.Flags.Count == 0 ? null : string.Join(',', reading.Flags)), ("$g", gateway)) > 0;

    private int EvaluateAlerts(SqliteTransaction transaction, string gateway, IngestReading reading, long now)
    {
        var changed = 0;
        foreach (var rule in _options.Alerts)
        {
            if (!string.Equals(rule.Metric, reading.Metric, StringComparison.Ordinal))
            {
                continue;
            }

            var active = Scalar(transaction, "SELECT coalesce(max(active), -1) FROM alerts WHERE device = $d AND metric = $m AND rule = $r", ("$d", reading.Device), ("$m", reading.Metric), ("$r", rule.Name));
            var breached = rule.Breached(reading.Value);
            if (breached == (active == 1) || (!breached && active == -1))
            {
                continue;
            }

            Execute(
                transaction,
                "INSERT OR REPLACE INTO alerts(device, metric, rule, active, value, threshold, event_time, changed_at, gateway) VALUES($d, $m, $r, $a, $v, $th, $t, $now, $g)",
                ("$d", reading.Device), ("$m", reading.Metric), ("$r", rule.Name), ("$a", breached ? 1 : 0), ("$v", reading.Value), ("$th", rule.Threshold),
                ("$t", reading.EventTime), ("$now", now), ("$g", gateway));
            Enqueue(transaction, _options.AlertTopic, reading.Device, AlertRecord(gateway, reading, rule, breached));
            changed++;
        }

        return changed;
    }

    private void Enqueue(SqliteTransaction transaction, string topic, string key, string value) =>
        Execute(transaction, "INSERT INTO outbox(topic, key, value) VALUES($topic, $key, $value)", ("$topic", topic), ("$key", key), ("$value", value));

    private void AddCounters(SqliteTransaction transaction, params ReadOnlySpan<(string Name, long Delta)> counters)
    {
        foreach (var (name, delta) in counters)
        {
            if (delta != 0)
            {
                Execute(transaction, "INSERT INTO counters(name, value) VALUES($n, $v) ON CONFLICT(name) DO UPDATE SET value = value + excluded.value", ("$n", name), ("$v", delta));
            }
        }
    }

    private SqliteCommand Command(SqliteTransaction transaction, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var command = _db.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private int Execute(SqliteTransaction transaction, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        using var command = Command(transaction, sql, parameters);
        return command.ExecuteNonQuery();
    }

    private long Scalar(SqliteTransaction transaction, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        using var command = Command(transaction, sql, parameters);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
