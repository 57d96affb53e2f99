using EdgeGateway.StreamProcessor.Ingest;

namespace EdgeGateway.StreamProcessor;

/// <summary>What <c>stream-processor run</c> is told on its command line; checked by <see cref="Validate"/> at start.</summary>
internal sealed class ProcessorOptions
{
    /// <summary>Kafka brokers, <c>host:port[,host:port]</c>.</summary>
    public string BootstrapServers { get; set; } = string.Empty;

    /// <summary>TLS and SASL to the brokers, for every client of the processor.</summary>
    public EdgeGateway.Kafka.Security.KafkaClientSecurity Security { get; set; } = EdgeGateway.Kafka.Security.KafkaClientSecurity.None;

    /// <summary>The consumer group every instance joins (instances share the batch topic's partitions).</summary>
    public string GroupId { get; set; } = "edge-stream-processors";

    /// <summary>The topic the gateways send batches to (their <c>Kafka:Topic</c>).</summary>
    public string BatchTopic { get; set; } = "edge.readings";

    /// <summary>Where each batch's JSON-RPC response goes, keyed by gateway id (their <c>Kafka:ResponseTopic</c>).</summary>
    public string ResponseTopic { get; set; } = "edge.responses";

    /// <summary>Closed windows, keyed by device id.</summary>
    public string WindowTopic { get; set; } = "edge.windows";

    /// <summary>Alerts raised and cleared, keyed by device id.</summary>
    public string AlertTopic { get; set; } = "edge.alerts";

    /// <summary>Records that could not be processed (schema violations, not JSON-RPC), with the reason in headers.</summary>
    public string DeadLetterTopic { get; set; } = "edge.deadletter";

    /// <summary>The ingest tool's name (the gateways' <c>Kafka:ToolName</c>).</summary>
    public string ToolName { get; set; } = "ingest_readings";

    /// <summary>The SQLite state file; instances that share partitions must share it (WAL mode, one host).</summary>
    public string StatePath { get; set; } = "stream-processor.db";

    /// <summary>The tumbling window's length.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How late (behind the series' watermark) a reading may be and still count in its window.</summary>
    public TimeSpan AllowedLateness { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Windows of a series that went quiet close this long after <c>end + lateness</c> (wall clock).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long batch ids and (device, sequence, metric) keys are remembered to drop duplicates.</summary>
    public TimeSpan DedupRetention { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How long closed windows stay in the state file for the MCP tools.</summary>
    public TimeSpan WindowRetention { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The field-encryption key file (the gateways' format: <c>KEY-ID KEY</c> per line), or null: encrypted
    /// values are then counted and left out, and everything else is processed.
    /// </summary>
    public string? KeysFile { get; set; }

    /// <summary>Threshold alerts.</summary>
    public IReadOnlyList<AlertRule> Alerts { get; set; } = [];

    /// <summary>Also print window and alert records as JSON lines on standard output (logs then go to standard error).</summary>
    public bool Stdout { get; set; }

    /// <summary>Kafka consumer session timeout: how soon a killed instance's partitions move to the others.</summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest time a broker holds a fetch that finds nothing (a latency floor on librdkafka's mock cluster).</summary>
    public TimeSpan FetchWaitMax { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long an instance holds outbox records it is sending; an instance that dies leaves them to the others after this.</summary>
    public TimeSpan OutboxLease { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>This instance's name in logs and in the client id.</summary>
    public string InstanceId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>The window settings.</summary>
    internal WindowSettings WindowSettings => new(Window, AllowedLateness, IdleTimeout);

    /// <summary>Every problem, one line each naming the option; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        List<string> problems = [];
        if (string.IsNullOrWhiteSpace(BootstrapServers))
        {
            problems.Add("--bootstrap-servers: is required (host:port[,host:port])");
        }

        string[] topics = [BatchTopic, ResponseTopic, WindowTopic, AlertTopic, DeadLetterTopic];
        if (topics.Any(string.IsNullOrWhiteSpace))
        {
            problems.Add("topics: every topic needs a name");
        }
        else if (topics.Distinct(StringComparer.Ordinal).Count() != topics.Length)
        {
            problems.Add($"topics: must all differ (batch {BatchTopic}, response {ResponseTopic}, windows {WindowTopic}, alerts {AlertTopic}, dead letters {DeadLetterTopic})");
        }

        if (Window < TimeSpan.FromMilliseconds(10) || Window > TimeSpan.FromDays(1))
        {
            problems.Add($"--window: {Window} is out of range (10ms to 1d)");
        }

        if (AllowedLateness < TimeSpan.Zero || AllowedLateness > TimeSpan.FromDays(1))
        {
            problems.Add($"--allowed-lateness: {AllowedLateness} is out of range (0 to 1d)");
        }

        if (IdleTimeout < TimeSpan.Zero)
        {
            problems.Add($"--idle-timeout: {IdleTimeout} must not be negative");
        }

        if (SessionTimeout < TimeSpan.FromSeconds(1) || SessionTimeout > TimeSpan.FromMinutes(5))
        {
            problems.Add($"--session-timeout: {SessionTimeout} is out of range (1s to 5m)");
        }

        if (OutboxLease < TimeSpan.FromSeconds(1))
        {
            problems.Add($"--outbox-lease: {OutboxLease} is below 1s");
        }

        if (string.IsNullOrWhiteSpace(StatePath))
        {
            problems.Add("--state: is required");
        }

        if (!string.IsNullOrWhiteSpace(KeysFile))
        {
            try
            {
                using var keys = FieldKeys.Load(KeysFile);
            }
            catch (FormatException problem)
            {
                problems.Add($"--keys-file: {problem.Message}");
            }
        }

        return problems;
    }
}
