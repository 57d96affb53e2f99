using System.Text;
using EdgeGateway.Buffering;
using EdgeGateway.Domain;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Logging;
using EdgeGateway.Testing.Waiting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace EdgeGateway.Tests.Buffering;

/// <summary>Shared set-up for buffer tests: a temp directory, buffers opened on a real file there, helpers.</summary>
public abstract class BufferTest : LoggedTest
{
    private readonly List<ReadingBuffer> _opened = [];

    protected BufferTest() => Temp = TempDirectory.Create("buffer");

    protected TempDirectory Temp { get; }

    protected string DatabasePath => Temp.File("buffer.db");

    /// <summary>Options for a test: this test's file, a short commit interval, no disk guard.</summary>
    protected BufferOptions Options(Action<BufferOptions>? configure = null)
    {
        var options = new BufferOptions
        {
            Path = DatabasePath,
            CommitInterval = TimeSpan.FromMilliseconds(2),
            MinFreeDisk = default,
        };
        configure?.Invoke(options);
        return options;
    }

    protected ReadingBuffer Open(BufferOptions? options = null, TimeProvider? time = null, IFreeSpaceProbe? freeSpace = null)
    {
        var buffer = new ReadingBuffer(options ?? Options(), time ?? TimeProvider.System, LoggerFactory.CreateLogger<ReadingBuffer>(), freeSpace);
        _opened.Add(buffer);
        return buffer;
    }

    protected static BufferEntry Entry(string device, string payload = "{}", BufferLane lane = BufferLane.Normal, DateTimeOffset? receivedAt = null) =>
        new(new DeviceId(device), Encoding.UTF8.GetBytes(payload), receivedAt ?? DateTimeOffset.UtcNow, lane);

    protected static BufferEntry Entry(string device, int payloadBytes, BufferLane lane = BufferLane.Normal, DateTimeOffset? receivedAt = null) =>
        new(new DeviceId(device), new byte[payloadBytes], receivedAt ?? DateTimeOffset.UtcNow, lane);

    protected static async Task<AppendResult> AppendAsync(ReadingBuffer buffer, params BufferEntry[] entries) =>
        await buffer.AppendAsync(entries, CancellationToken);

    /// <summary>Reads every unsent row (handing them all out), in batches of <paramref name="batchSize"/>.</summary>
    protected static async Task<List<BufferedReading>> ReadAllAsync(ReadingBuffer buffer, int batchSize = 100)
    {
        var rows = new List<BufferedReading>();
        while (await buffer.ReadBatchAsync(batchSize, long.MaxValue, CancellationToken) is { Count: > 0 } batch)
        {
            rows.AddRange(batch);
        }

        return rows;
    }

    /// <summary>Waits until <paramref name="condition"/> holds (the test's timeout and cancellation apply).</summary>
    protected static Task UntilAsync(Func<bool> condition, string description) =>
        Eventually.TrueAsync(condition, description, cancellationToken: CancellationToken);

    protected static string Text(BufferedReading row) => Encoding.UTF8.GetString(row.Payload.Span);

    /// <summary>A connection of its own to the test's file, as another process would open it.</summary>
    protected SqliteConnection OpenIndependentConnection()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    protected override async ValueTask CleanUpAsync()
    {
        foreach (var buffer in _opened)
        {
            await buffer.DisposeAsync();
        }

        Temp.Dispose();
    }
}

/// <summary>A free-space probe a test sets by hand.</summary>
internal sealed class ManualFreeSpace(long available) : IFreeSpaceProbe
{
    private long _available = available;

    public long Available
    {
        get => Interlocked.Read(ref _available);
        set => Interlocked.Exchange(ref _available, value);
    }

    public long GetAvailableBytes(string directory) => Available;
}
