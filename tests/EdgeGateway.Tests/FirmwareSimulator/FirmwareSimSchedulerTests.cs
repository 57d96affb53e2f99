using System.Buffers;
using System.Text;
using System.Text.Json;
using EdgeGateway.Decoding;
using EdgeGateway.Domain;
using EdgeGateway.Testing.Time;
using FirmwareSim.Devices;
using FirmwareSim.Fleet;
using FirmwareSim.Pacing;
using FirmwareSim.Payloads;
using FirmwareSim.Running;
using Xunit;
using static EdgeGateway.Tests.FirmwareSimulator.SimulatorTestSupport;

namespace EdgeGateway.Tests.FirmwareSimulator;

public sealed class FirmwareSimSchedulerTests
{
    [Theory]
    [InlineData(PayloadFormat.Json)]
    [InlineData(PayloadFormat.SenMl)]
    public void Payloads_decode_with_the_gateways_own_decoders_to_the_values_and_times_of_the_ledger(PayloadFormat format)
    {
        var decoder = PayloadDecoders.Create(format == PayloadFormat.Json
            ? new DecoderOptions { Kind = DecoderKind.Json, Json = new JsonDecoderOptions { TimeField = "ts", SequenceField = "seq", AllNumericFields = true } }
            : new DecoderOptions { Kind = DecoderKind.Senml, SenMl = new SenMlDecoderOptions() });
        var scheduler = new FleetScheduler(
            FleetBuilder.Build(FleetBuilder.DefaultGroups(30), new CitySettings(), 3, format),
            new SchedulerSettings { Seed = 3 },
            new SimulatorStatistics(),
            new FakeTimeProvider(Wednesday));
        var messages = new List<OutgoingMessage>();
        scheduler.TakeDue(Wednesday.AddMinutes(10), messages);
        Assert.True(messages.Count > 30);

        foreach (var message in messages)
        {
            var raw = new RawMessage(SourceKind.Mqtt, "broker", message.Topic, message.Payload, Wednesday.AddMinutes(10));
            var result = decoder.Decode(raw, format == PayloadFormat.Json ? new DeviceId(message.Device.Profile.Id) : null);
            Assert.True(result.IsSuccess, $"{Encoding.UTF8.GetString(message.Payload)}: {result}");
            var expected = LedgerLines(message);
            Assert.Equal(expected.Count, result.Readings.Length);
            foreach (var (reading, line) in result.Readings.Zip(expected))
            {
                Assert.Equal(line.GetProperty("device").GetString(), reading.DeviceId.Value);
                Assert.Equal(line.GetProperty("metric").GetString(), reading.Metric);
                Assert.Equal(line.GetProperty("value").GetDouble(), reading.Value);
                // SenML times are seconds in a double: the gateway gets the nearest tick, within a microsecond.
                Assert.Equal(line.GetProperty("time").GetInt64(), (long)Math.Round((reading.EventTime!.Value - DateTimeOffset.UnixEpoch).TotalMilliseconds));
                if (format == PayloadFormat.Json)
                {
                    Assert.Equal(line.GetProperty("seq").GetInt64(), reading.DeviceSequence);
                }
            }
        }
    }

    [Fact]
    public void The_SenML_pack_carries_base_name_time_and_unit_on_its_first_record()
    {
        var device = new SimulatedDevice(Profile(DeviceModel.Weather, "weather-0007", format: PayloadFormat.SenMl), 1, Wednesday);
        var sample = device.SampleScheduled();
        var pack = JsonDocument.Parse(new PayloadEncoder().Encode(device.Profile, sample, Wednesday.AddMilliseconds(1234), PayloadFormat.SenMl)).RootElement;

        Assert.Equal(7, pack.GetArrayLength());
        Assert.Equal("urn:dev:sim:weather-0007:", pack[0].GetProperty("bn").GetString());
        Assert.Equal(Wednesday.ToUnixTimeMilliseconds() / 1000d + 1.234, pack[0].GetProperty("bt").GetDouble(), 3);
        Assert.Equal("Cel", pack[0].GetProperty("bu").GetString());
        Assert.Equal(["temperature", "humidity", "pressure", "wind_speed", "wind_direction", "rain_tips", "rain"], pack.EnumerateArray().Select(r => r.GetProperty("n").GetString()));
        Assert.False(pack[0].TryGetProperty("u", out _));
        Assert.Equal("%RH", pack[1].GetProperty("u").GetString());
    }

    [Fact]
    public void The_token_bucket_grants_its_rate_and_a_burst_leaves_a_debt()
    {
        var time = new FakeTimeProvider(Wednesday);
        var bucket = new TokenBucket(rate: 1000, capacity: 50, time);

        Assert.True(bucket.TryTake(50));
        Assert.False(bucket.TryTake(1));
        Assert.Equal(TimeSpan.FromMilliseconds(1), bucket.TimeUntilAvailable(1));
        time.Advance(TimeSpan.FromMilliseconds(10));
        Assert.True(bucket.TryTake(10));
        Assert.False(bucket.TryTake(1));
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(50, bucket.Available);

        bucket.Take(150);
        Assert.Equal(-100, bucket.Available);
        Assert.Equal(TimeSpan.FromMilliseconds(104), bucket.TimeUntilAvailable(4));
        Assert.True(bucket.TryTake(1000) is false && bucket.TimeUntilAvailable(1000) == TimeSpan.FromMilliseconds(150), "a request above the capacity waits for a full bucket");
    }

    [Fact]
    public void Without_a_rate_each_device_sends_on_its_own_interval()
    {
        var time = new FakeTimeProvider(Wednesday);
        IReadOnlyList<DeviceGroup> groups =
        [
            new() { Model = DeviceModel.Noise, Count = 3, Interval = TimeSpan.FromSeconds(10) },
            new() { Model = DeviceModel.Parking, Count = 2, Interval = TimeSpan.FromMinutes(1) },
        ];
        var scheduler = new FleetScheduler(FleetBuilder.Build(groups, new CitySettings(), 5, PayloadFormat.Json), new SchedulerSettings { Seed = 5 }, new SimulatorStatistics(), time);

        var messages = Drive(scheduler, time, TimeSpan.FromMinutes(10), TimeSpan.FromMilliseconds(250));

        foreach (var device in scheduler.Devices)
        {
            var own = messages.Where(m => m.Device == device).ToList();
            Assert.Equal(Enumerable.Range(0, own.Count).Select(i => (long)i), own.Select(m => m.Sequence));
            var spacing = own.Zip(own.Skip(1), (a, b) => b.SampleTime - a.SampleTime).Distinct().ToList();
            Assert.Equal(device.Device.Interval, Assert.Single(spacing));

            // The device's clock drifts: its own times are spaced by the interval stretched by its drift.
            var drifted = device.Device.Interval.TotalMilliseconds * (1 + (device.Profile.Clock.DriftPpm / 1e6));
            Assert.All(own.Zip(own.Skip(1), (a, b) => b.EventTime - a.EventTime), d => Assert.Equal(drifted, d.TotalMilliseconds, 0.01));
            Assert.Equal(TimeSpan.FromMinutes(10) / device.Device.Interval, own.Count, 1.0);
        }
    }

    [Fact]
    public void With_a_rate_the_fleet_adds_up_to_it_and_never_runs_ahead_of_it()
    {
        var time = new FakeTimeProvider(Wednesday);
        var statistics = new SimulatorStatistics();
        var scheduler = new FleetScheduler(
            FleetBuilder.Build(FleetBuilder.DefaultGroups(500), new CitySettings(), 1, PayloadFormat.Json),
            new SchedulerSettings { Seed = 1, Rate = 5000, Duration = TimeSpan.FromSeconds(10) },
            statistics,
            time);

        var messages = Drive(scheduler, time, TimeSpan.FromSeconds(11), TimeSpan.FromMilliseconds(5));

        var readings = messages.Sum(m => m.Readings);
        Assert.InRange(readings, 49_500, 50_500);
        Assert.Equal(readings, statistics.ReadingsScheduled);
        Assert.All(messages, m => Assert.True(m.SampleTime < Wednesday.AddSeconds(10)));
        foreach (var second in messages.GroupBy(m => (int)(m.SampleTime - Wednesday).TotalSeconds))
        {
            Assert.InRange(second.Sum(m => m.Readings), 0, 5000 * 1.1 + 250);
        }

        Assert.InRange(scheduler.NaturalRate / scheduler.IntervalScale, 4999, 5001);
        Assert.Equal(500, messages.Select(m => m.Device).Distinct().Count());
    }

    [Fact]
    public void A_fleet_that_fell_behind_catches_up_at_most_a_tenth_above_the_rate()
    {
        var time = new FakeTimeProvider(Wednesday);
        var scheduler = new FleetScheduler(
            FleetBuilder.Build(FleetBuilder.DefaultGroups(100), new CitySettings(), 1, PayloadFormat.Json),
            new SchedulerSettings { Seed = 1, Rate = 1000, Duration = TimeSpan.FromSeconds(20) },
            new SimulatorStatistics(),
            time);

        // A 2 s stall (a GC pause, a full connection): then the next 2 s may carry 10 % more, no more.
        time.Advance(TimeSpan.FromSeconds(2));
        var resumed = Drive(scheduler, time, TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(5)).Sum(m => m.Readings);
        Assert.InRange(resumed, 2000, 2200 + 60);
        var rest = Drive(scheduler, time, TimeSpan.FromSeconds(17), TimeSpan.FromMilliseconds(5)).Sum(m => m.Readings);
        Assert.InRange(resumed + rest, 19_800, 20_100);
    }

    [Fact]
    public void A_command_changes_the_interval_from_the_last_sample_and_announces_the_new_status()
    {
        var time = new FakeTimeProvider(Wednesday);
        IReadOnlyList<DeviceGroup> groups = [new() { Model = DeviceModel.AirQuality, Count = 2, Interval = TimeSpan.FromSeconds(60) }];
        var statistics = new SimulatorStatistics();
        var scheduler = new FleetScheduler(FleetBuilder.Build(groups, new CitySettings(), 2, PayloadFormat.Json), new SchedulerSettings { Seed = 2 }, statistics, time);
        var before = Drive(scheduler, time, TimeSpan.FromSeconds(61), TimeSpan.FromMilliseconds(500));
        Assert.Equal(2, before.Count);

        Assert.True(DeviceCommand.TryParse("aq-0001", """{"samplingInterval":"5s","firmware":"2.5.0"}"""u8, out var command, out _));
        Assert.True(scheduler.Post(command!));
        Assert.False(scheduler.Post(new DeviceCommand("aq-9999", TimeSpan.FromSeconds(1), null)));
        var after = Drive(scheduler, time, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(500));

        var status = Assert.Single(after, m => m.Kind == OutgoingKind.Status);
        Assert.True(status.Retain);
        Assert.Equal("city/" + status.Device.Profile.Location.District + "/aq/aq-0001/status", status.Topic);
        var json = JsonDocument.Parse(status.Payload).RootElement;
        Assert.Equal(5000, json.GetProperty("intervalMs").GetInt64());
        Assert.Equal("2.5.0", json.GetProperty("firmware").GetString());
        Assert.Equal("online", json.GetProperty("status").GetString());
        var fast = after.Where(m => m.Kind == OutgoingKind.Reading && m.Device.Profile.Id == "aq-0001").ToList();
        Assert.InRange(fast.Count, 11, 13);
        Assert.Equal(TimeSpan.FromSeconds(5), fast[1].SampleTime - fast[0].SampleTime);
        Assert.Single(after, m => m.Device.Profile.Id == "aq-0002");
        Assert.Equal(1, statistics.CommandsApplied);
    }

    [Theory]
    [InlineData("""{"samplingInterval":"500ms"}""", 500, null)]
    [InlineData("""{"samplingInterval":2.5}""", 2500, null)]
    [InlineData("""{"firmware":"9.9.9","note":"ignored"}""", null, "9.9.9")]
    public void Commands_parse(string payload, int? intervalMs, string? firmware)
    {
        Assert.True(DeviceCommand.TryParse("d", Encoding.UTF8.GetBytes(payload), out var command, out var problem), problem);
        Assert.Equal(intervalMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null, command!.SamplingInterval);
        Assert.Equal(firmware, command.Firmware);
    }

    [Theory]
    [InlineData("not json", "not JSON")]
    [InlineData("[1]", "JSON object")]
    [InlineData("""{"samplingInterval":"fast"}""", "samplingInterval")]
    [InlineData("""{"samplingInterval":"1ms"}""", "at least 10ms")]
    [InlineData("""{"firmware":7}""", "firmware")]
    [InlineData("{}", "nothing to do")]
    public void Bad_commands_are_refused_with_a_reason(string payload, string reason)
    {
        Assert.False(DeviceCommand.TryParse("d", Encoding.UTF8.GetBytes(payload), out _, out var problem));
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Ledger_lines_name_device_sequence_metric_value_time_and_faults()
    {
        var device = new FleetDevice(new SimulatedDevice(Profile(DeviceModel.Traffic, "traffic-0002"), 1, Wednesday), 0, new TopicScheme(), slow: false);
        var message = new OutgoingMessage
        {
            Device = device,
            Kind = OutgoingKind.Reading,
            Topic = device.ReadingTopic,
            Payload = [],
            Sequence = 41,
            EventTime = Wednesday.AddMilliseconds(5),
            Values = [12, 47.5],
            Ledgered = true,
            Faults = [FirmwareSim.Faults.FaultKind.FutureTimestamp],
        };

        var lines = LedgerLines(message);

        Assert.Equal("city/centre/traffic/traffic-0002", device.ReadingTopic);
        Assert.Equal(
            """{"device":"traffic-0002","seq":41,"metric":"speed","value":47.5,"time":1768348800005,"faults":["future-timestamp"]}""",
            lines[1].GetRawText());
        Assert.Equal("vehicles", lines[0].GetProperty("metric").GetString());
    }

    private static List<JsonElement> LedgerLines(OutgoingMessage message)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            Ledger.WriteLines(json, buffer, message);
        }

        return [.. Encoding.UTF8.GetString(buffer.WrittenSpan).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)];
    }

    /// <summary>Moves fake time on in steps, collecting what the scheduler makes due.</summary>
    internal static List<OutgoingMessage> Drive(FleetScheduler scheduler, FakeTimeProvider time, TimeSpan span, TimeSpan step)
    {
        var messages = new List<OutgoingMessage>();
        var end = time.GetUtcNow() + span;
        while (time.GetUtcNow() < end)
        {
            time.Advance(step);
            scheduler.TakeDue(time.GetUtcNow(), messages);
        }

        return messages;
    }
}
