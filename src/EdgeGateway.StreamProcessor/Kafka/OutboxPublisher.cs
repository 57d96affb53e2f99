using System.Text;
using EdgeGateway.Kafka.Producing;
using EdgeGateway.StreamProcessor.State;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.StreamProcessor.Kafka;

/// <summary>
/// Sends the outbox (closed windows, alert changes) to Kafka and deletes each record once the brokers
/// acknowledged it: at least once, in commit order per key. Woken by each commit that wrote records,
/// and every second for records other instances on the same state file left behind (their claims expire).
/// With <c>--stdout</c> each delivered record is also printed as one JSON line.
/// </summary>
internal sealed partial class OutboxPublisher : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private readonly ProcessorState _state;
    private readonly KafkaRecordProducer _producer;
    private readonly ProcessorOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>Creates the publisher.</summary>
    public OutboxPublisher(ProcessorState state, KafkaRecordProducer producer, ProcessorOptions options, TimeProvider timeProvider, ILogger<OutboxPublisher> logger)
    {
        _state = state;
        _producer = producer;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _state.OutboxWritten += Wake;
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _state.OutboxWritten -= Wake;
        _wake.Dispose();
        base.Dispose();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            IReadOnlyList<OutboxRecord> records;
            try
            {
                records = _state.ClaimOutbox(500, _options.OutboxLease);
            }
            catch (Microsoft.Data.Sqlite.SqliteException error)
            {
                LogStateError(_logger, error.Message);
                records = [];
            }

            if (records.Count == 0)
            {
                try
                {
                    await _wake.WaitAsync(Poll, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            var deliveries = records.Select(r => (Record: r, Task: _producer.ProduceAsync(r.Topic, Encoding.UTF8.GetBytes(r.Key), Encoding.UTF8.GetBytes(r.Value), [new("content-type", "application/json")], stoppingToken))).ToList();
            List<long> delivered = [];
            foreach (var (record, task) in deliveries)
            {
                KafkaDeliveryOutcome outcome;
                try
                {
                    outcome = await task;
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                if (outcome.Status == KafkaDeliveryStatus.Delivered)
                {
                    delivered.Add(record.Id);
                    if (_options.Stdout)
                    {
                        await Console.Out.WriteLineAsync(record.Value);
                    }
                }
                else
                {
                    // Left in the outbox: its claim expires and it is sent again.
                    LogNotDelivered(_logger, record.Topic, outcome.Error ?? outcome.Status.ToString());
                }
            }

            _state.DeleteOutbox(delivered);
            if (delivered.Count < records.Count)
            {
                try
                {
                    await Task.Delay(Poll, _timeProvider, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void Wake()
    {
        try
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already awake.
        }
        catch (ObjectDisposedException)
        {
            // Stopping.
        }
    }

    [LoggerMessage(EventId = 821, Level = LogLevel.Warning, Message = "A record for {Topic} was not delivered ({Error}); it stays in the outbox and is sent again")]
    private static partial void LogNotDelivered(ILogger logger, string topic, string error);

    [LoggerMessage(EventId = 822, Level = LogLevel.Warning, Message = "The state file could not be read for the outbox: {Error}")]
    private static partial void LogStateError(ILogger logger, string error);
}
