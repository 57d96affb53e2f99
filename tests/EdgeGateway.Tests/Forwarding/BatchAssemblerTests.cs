using EdgeGateway.Context;
using EdgeGateway.Domain;
using EdgeGateway.Forwarding;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Logging;
using Microsoft.Extensions.Logging;
using Xunit;

namespace EdgeGateway.Tests.Forwarding;

public sealed class BatchAssemblerTests : LoggedTest
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _directory = TempDirectory.Create("assembler");
    private DeviceRegistry _registry = null!;

    public override async ValueTask InitializeAsync()
    {
        _registry = await DeviceRegistry.OpenAsync(_directory.File("registry.db"), TimeProvider.System, LoggerFactory.CreateLogger<DeviceRegistry>(), CancellationToken);
        await _registry.UpsertAsync(new DeviceDocument { Id = "a", Type = "noise", Firmware = "1" }, CancellationToken);
        await _registry.UpsertAsync(new DeviceDocument { Id = "a", Type = "noise", Firmware = "2" }, CancellationToken);
        await _registry.UpsertAsync(new DeviceDocument { Id = "b", Type = "noise" }, CancellationToken);
    }

    protected override async ValueTask CleanUpAsync()
    {
        await _registry.DisposeAsync();
        _directory.Dispose();
    }

    private static BatchRow Row(long bufferSequence, string device, long sequence, long? revision) =>
        new(bufferSequence, new Reading(new DeviceId(device), "db", 50, "dBA", null, Now, sequence, ReadingQuality.None, revision));

    private BatchAssembler Assembler() => new(_registry, "gw-1", TimeProvider.System);

    [Fact]
    public async Task Each_device_context_is_carried_once_at_the_revision_that_applied()
    {
        var assembled = await Assembler().AssembleAsync([Row(10, "a", 1, 1), Row(11, "b", 1, 1), Row(12, "a", 2, 1), Row(13, "c", 0, null)], CancellationToken);

        Assert.Equal(4, assembled.RowsUsed);
        Assert.Equal(new SequenceRange(10, 13), assembled.Batch.SequenceRange);
        Assert.Equal(2, assembled.Batch.Contexts.Count);
        Assert.Equal("1", assembled.Batch.Contexts[new DeviceId("a")].Firmware);
        Assert.Equal(1, assembled.Batch.Contexts[new DeviceId("a")].Revision);
    }

    [Fact]
    public async Task A_revision_change_mid_stream_ends_the_batch_there()
    {
        var rows = new[] { Row(1, "a", 1, 1), Row(2, "b", 1, 1), Row(3, "a", 2, 2), Row(4, "b", 2, 1) };

        var first = await Assembler().AssembleAsync(rows, CancellationToken);
        var second = await Assembler().AssembleAsync(rows[first.RowsUsed..], CancellationToken);

        Assert.Equal(2, first.RowsUsed);
        Assert.Equal(2, second.RowsUsed);
        Assert.Equal("2", second.Batch.Contexts[new DeviceId("a")].Firmware);
    }

    [Fact]
    public async Task The_same_rows_give_the_same_batch_id_so_a_retry_is_recognisable()
    {
        var rows = new[] { Row(5, "a", 1, 2), Row(6, "a", 2, 2) };

        var once = await Assembler().AssembleAsync(rows, CancellationToken);
        var again = await Assembler().AssembleAsync(rows, CancellationToken);
        var other = await Assembler().AssembleAsync(rows[..1], CancellationToken);

        Assert.Equal(once.Batch.Id, again.Batch.Id);
        Assert.NotEqual(once.Batch.Id, other.Batch.Id);
    }
}
