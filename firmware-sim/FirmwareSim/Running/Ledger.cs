using System.Buffers;
using System.Text.Json;
using System.Threading.Channels;
using FirmwareSim.Devices;
using FirmwareSim.Faults;

namespace FirmwareSim.Running;

/// <summary>
/// The ledger: one JSON line per reading whose send completed (written to the socket for QoS 0,
/// PUBACK for QoS 1, PUBCOMP for QoS 2), so a test can prove that what arrived downstream is what was
/// sent: <c>{"device":"aq-0001","seq":17,"metric":"pm25","value":12.3,"time":1795341600123}</c>, plus
/// <c>"faults":[...]</c> when a fault shaped the message (a future timestamp, a late or reordered send,
/// a burst). Lines of one message share <c>seq</c>. Messages arrive through a bounded channel and one
/// task writes them; the file is flushed whenever the channel runs dry.
/// </summary>
public sealed class Ledger : IAsyncDisposable
{
    private readonly Channel<OutgoingMessage> _channel = Channel.CreateBounded<OutgoingMessage>(
        new BoundedChannelOptions(8192) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly FileStream _file;
    private readonly Task _writer;
    private long _lines;

    private Ledger(FileStream file)
    {
        _file = file;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Lines written so far.</summary>
    public long Lines => Interlocked.Read(ref _lines);

    /// <summary>Creates (or truncates) the ledger file.</summary>
    public static Ledger Create(string path) =>
        new(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 64 * 1024, FileOptions.Asynchronous));

    /// <summary>Records a sent message (only reading messages marked <see cref="OutgoingMessage.Ledgered"/> give lines).</summary>
    public ValueTask RecordAsync(OutgoingMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Ledgered ? _channel.Writer.WriteAsync(message, cancellationToken) : ValueTask.CompletedTask;
    }

    /// <summary>Writes what is queued, flushes and closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        try
        {
            await _writer;
        }
        finally
        {
            await _file.DisposeAsync();
        }
    }

    /// <summary>Writes the ledger lines of <paramref name="message"/>.</summary>
    internal static int WriteLines(Utf8JsonWriter json, IBufferWriter<byte> output, OutgoingMessage message)
    {
        var metrics = DeviceModels.Metrics(message.Device.Profile.Model);
        var time = message.EventTime.ToUnixTimeMilliseconds();
        for (var i = 0; i < message.Values.Count; i++)
        {
            json.Reset(output);
            json.WriteStartObject();
            json.WriteString("device", message.Device.Profile.Id);
            json.WriteNumber("seq", message.Sequence);
            json.WriteString("metric", metrics[i].Name);
            json.WriteNumber("value", message.Values[i]);
            json.WriteNumber("time", time);
            if (message.Faults.Count > 0)
            {
                json.WriteStartArray("faults");
                foreach (var fault in message.Faults)
                {
                    json.WriteStringValue(FaultNames.Name(fault));
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
            json.Flush();
            output.Write("\n"u8);
        }

        return message.Values.Count;
    }

    private async Task WriteLoopAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        await using var json = new Utf8JsonWriter(buffer);
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync())
        {
            while (reader.TryRead(out var message))
            {
                Interlocked.Add(ref _lines, WriteLines(json, buffer, message));
                if (buffer.WrittenCount >= 48 * 1024)
                {
                    await _file.WriteAsync(buffer.WrittenMemory);
                    buffer.ResetWrittenCount();
                }
            }

            await _file.WriteAsync(buffer.WrittenMemory);
            buffer.ResetWrittenCount();
            await _file.FlushAsync();
        }
    }
}
