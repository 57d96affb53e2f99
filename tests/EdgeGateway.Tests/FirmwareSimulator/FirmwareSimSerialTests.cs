using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Waiting;
using FirmwareSim.Faults;
using FirmwareSim.Fleet;
using FirmwareSim.Running;
using FirmwareSim.Serial;
using Xunit;

namespace EdgeGateway.Tests.FirmwareSimulator;

/// <summary>
/// The simulator's serial devices through real pseudo-terminals, decoded by this test's own code:
/// its own sums, XOR and CRC (bitwise, where the simulator's is table-driven).
/// </summary>
public sealed class FirmwareSimSerialTests
{
    private static readonly CitySettings City = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_pseudo_terminal_carries_bytes_both_ways_and_drops_the_oldest_when_nobody_reads()
    {
        using var terminal = PseudoTerminal.Open();
        Assert.StartsWith("/dev/pts/", terminal.DevicePath, StringComparison.Ordinal);

        // Nobody reads: the kernel buffer fills, then the oldest bytes go (an overrun), never a hang.
        var block = new byte[1024];
        var overruns = Enumerable.Range(0, 200).Count(_ => !terminal.Write(block));
        Assert.InRange(overruns, 1, 199);

        // The buffer is still full: this write drops the backlog again, then goes through whole.
        await using var reader = TtyReader.Open(terminal.DevicePath);
        byte[] probe = [0x42, 0x4D, (byte)'\r', (byte)'\n', 0x00, 0xFF];
        terminal.Write(probe);
        await reader.ReadUntilAsync(b => b.Count >= probe.Length && b.Skip(b.Count - probe.Length).SequenceEqual(probe), "the probe, raw");

        await reader.WriteAsync("AT\r\n"u8.ToArray());
        var received = new byte[16];
        var count = 0;
        await Eventually.TrueAsync(() => (count += terminal.Read(received.AsSpan(count), TimeSpan.FromMilliseconds(20))) >= 4, "the simulator reads what the gateway writes", cancellationToken: Token);
        Assert.Equal("AT\r\n", Encoding.ASCII.GetString(received, 0, count));
        Assert.Equal(0, terminal.Read(received, TimeSpan.FromMilliseconds(10)));
    }

    [Fact]
    public async Task PMS5003_frames_have_valid_headers_lengths_and_checksums()
    {
        await using var port = await PlayAsync(SerialProtocol.Pms5003);
        for (var i = 0; i < 3; i++)
        {
            var frame = await port.Reader.NextFrameAsync(0x42, 0x4D, 32);
            Assert.Equal(28, (frame[2] << 8) | frame[3]);
            Assert.Equal(frame.Take(30).Sum(b => b), (frame[30] << 8) | frame[31]);
            var words = Enumerable.Range(0, 13).Select(w => (frame[4 + (2 * w)] << 8) | frame[5 + (2 * w)]).ToArray();
            var (pm1, pm25, pm10) = (words[3], words[4], words[5]);
            Assert.InRange(pm25, 1, 300);
            Assert.True(pm1 <= pm25 && pm25 <= pm10, $"PM1 {pm1} <= PM2.5 {pm25} <= PM10 {pm10}");
            Assert.True(words[6] > words[7] && words[7] > words[8] && words[8] >= words[9], "particle counts fall with size");
        }
    }

    [Fact]
    public async Task SDS011_frames_have_head_command_checksum_and_tail()
    {
        await using var port = await PlayAsync(SerialProtocol.Sds011);
        for (var i = 0; i < 3; i++)
        {
            var frame = await port.Reader.NextFrameAsync(0xAA, 0xC0, 10);
            Assert.Equal(0xAB, frame[9]);
            Assert.Equal((byte)frame.Skip(2).Take(6).Sum(b => b), frame[8]);
            var pm25 = ((frame[3] << 8) | frame[2]) / 10.0;
            var pm10 = ((frame[5] << 8) | frame[4]) / 10.0;
            Assert.InRange(pm25, 0.5, 300);
            Assert.True(pm10 >= pm25);
        }
    }

    [Fact]
    public async Task NMEA_sentences_have_valid_checksums_and_a_fix_in_the_city()
    {
        await using var port = await PlayAsync(SerialProtocol.Nmea);
        var sentences = new List<string>();
        while (sentences.Count < 6)
        {
            var line = await port.Reader.ReadLineAsync();
            if (line.StartsWith('$'))
            {
                sentences.Add(line);
            }
        }

        foreach (var sentence in sentences)
        {
            var star = sentence.LastIndexOf('*');
            var body = sentence[1..star];
            Assert.Equal(body.Aggregate(0, (x, c) => x ^ c).ToString("X2", CultureInfo.InvariantCulture), sentence[(star + 1)..]);
            var fields = body.Split(',');
            var (latitude, longitude) = fields[0] == "GPGGA" ? (fields[2], fields[4]) : (fields[3], fields[5]);
            Assert.Equal(City.Latitude, double.Parse(latitude[..2], CultureInfo.InvariantCulture) + (double.Parse(latitude[2..], CultureInfo.InvariantCulture) / 60), 0.001);
            Assert.Equal(City.Longitude, double.Parse(longitude[..3], CultureInfo.InvariantCulture) + (double.Parse(longitude[3..], CultureInfo.InvariantCulture) / 60), 0.001);
            if (fields[0] == "GPGGA")
            {
                Assert.Equal(15, fields.Length);
                Assert.Equal(("N", "E", "1"), (fields[3], fields[5], fields[6]));
            }
            else
            {
                Assert.Equal("GPRMC", fields[0]);
                Assert.Equal(("A", "N", "E"), (fields[2], fields[4], fields[6]));
                Assert.Equal(DateTime.UtcNow.ToString("ddMMyy", CultureInfo.InvariantCulture), fields[9]);
            }
        }
    }

    [Fact]
    public async Task CSV_and_JSON_lines_carry_the_device_its_counter_its_clock_and_its_metrics()
    {
        await using var csv = await PlayAsync(SerialProtocol.Csv);
        await using var json = await PlayAsync(SerialProtocol.JsonLines);

        var rows = new List<string[]>();
        while (rows.Count < 3)
        {
            rows.Add((await csv.Reader.ReadLineAsync()).Split(','));
        }

        Assert.All(rows, r => Assert.Equal(10, r.Length));
        Assert.All(rows, r => Assert.Equal("weather-test", r[0]));
        Assert.Equal([0, 1, 2], rows.Select(r => int.Parse(r[1], CultureInfo.InvariantCulture)));
        Assert.All(rows, r => Assert.InRange(DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(r[2], CultureInfo.InvariantCulture)), DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow));
        Assert.All(rows, r => Assert.InRange(double.Parse(r[5], CultureInfo.InvariantCulture), 950, 1080));

        var objects = new List<JsonElement>();
        while (objects.Count < 3)
        {
            objects.Add(JsonDocument.Parse(await json.Reader.ReadLineAsync()).RootElement);
        }

        Assert.Equal([0L, 1L, 2L], objects.Select(o => o.GetProperty("seq").GetInt64()));
        Assert.All(objects, o => Assert.Equal("aq-test", o.GetProperty("id").GetString()));
        Assert.All(objects, o => Assert.InRange(o.GetProperty("pm25").GetDouble(), 0.5, 300));
        Assert.Equal(["id", "seq", "ts", "pm25", "pm10", "no2", "o3"], objects[0].EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task The_Modbus_weather_station_answers_reads_and_refuses_bad_requests_with_exceptions()
    {
        // Registers are refreshed every interval: an hour keeps them still while the test compares reads.
        await using var port = await PlayAsync(SerialProtocol.ModbusRtu, interval: TimeSpan.FromHours(1));
        var reader = port.Reader;

        var input = await AskAsync(reader, Request(7, 0x04, 0, 8), expected: 5 + 16);
        Assert.Equal([7, 0x04, 16], input.Take(3));
        var registers = Enumerable.Range(0, 8).Select(i => (ushort)((input[3 + (2 * i)] << 8) | input[4 + (2 * i)])).ToArray();
        Assert.InRange((short)registers[0] / 10.0, -30, 45);
        Assert.InRange(registers[1] / 10.0, 15, 100);
        Assert.InRange(registers[2] / 10.0, 950, 1080);
        Assert.InRange(registers[4], 0, 360);

        var holding = await AskAsync(reader, Request(7, 0x03, 0, 4), expected: 5 + 8);
        Assert.Equal([7, 0x03, 8, 0, 7, 0x0E, 0x10], holding.Take(7));

        var partial = await AskAsync(reader, Request(7, 0x04, 2, 3), expected: 5 + 6);
        Assert.Equal(input.Skip(3 + 4).Take(6), partial.Skip(3).Take(6));

        Assert.Equal([7, 0x84, 0x02], (await AskAsync(reader, Request(7, 0x04, 6, 5), expected: 5)).Take(3));
        Assert.Equal([7, 0x83, 0x03], (await AskAsync(reader, Request(7, 0x03, 0, 0), expected: 5)).Take(3));
        Assert.Equal([7, 0x86, 0x01], (await AskAsync(reader, Request(7, 0x06, 1, 30), expected: 5)).Take(3));

        // Silence: another slave's address, a broadcast, a bad CRC.
        foreach (var ignored in new[] { Request(8, 0x04, 0, 1), Request(0, 0x04, 0, 1), Corrupt(Request(7, 0x04, 0, 1)) })
        {
            await reader.WriteAsync(ignored);
            Assert.True(await reader.StaysQuietAsync(TimeSpan.FromMilliseconds(300)), "no answer");
        }

        // A request arriving in two pieces is one request.
        var request = Request(7, 0x03, 1, 1);
        await reader.WriteAsync(request[..3]);
        await reader.WriteAsync(request[3..]);
        await reader.ReadUntilAsync(b => b.Count >= 7, "the answer to a split request");
        Assert.Equal([7, 0x03, 2, 0x0E, 0x10], reader.Buffer.Take(5));
        Assert.True(ValidCrc([.. reader.Buffer.Take(7)]));
        Assert.Equal(7, port.Statistics.ModbusRequests);
        Assert.Equal(3, port.Statistics.ModbusExceptions);
    }

    [Fact]
    public void Serial_faults_appear_at_their_requested_rates()
    {
        var faults = new FaultSettings { BadChecksum = 0.1, Garbage = 0.05, LineNoise = 0.001 };
        var statistics = new SimulatorStatistics();
        var random = new Random(17);
        var good = FirmwareSim.Serial.Protocols.Pms5003Frame.Encode(FirmwareSim.Serial.Protocols.Pms5003Reading.FromConcentrations(12, 20));
        const int frames = 20_000;
        var (badSums, prefixed, flipped) = (0, 0, 0);
        for (var i = 0; i < frames; i++)
        {
            var line = SerialFaults.Apply(good, SerialProtocol.Pms5003, random, faults, statistics);
            var start = line.Length - 32;
            prefixed += start > 0 ? 1 : 0;
            var frame = line[start..];
            badSums += frame.Take(30).Sum(b => b) != ((frame[30] << 8) | frame[31]) ? 1 : 0;
            flipped += frame.Zip(good).Count(p => p.First != p.Second);
        }

        Assert.InRange(prefixed, frames * 0.05 * 0.9, frames * 0.05 * 1.1);
        Assert.InRange(statistics.Faults(FaultKind.BadChecksum), frames * 0.1 * 0.93, frames * 0.1 * 1.07);
        Assert.InRange(statistics.Faults(FaultKind.LineNoise), frames * 32 * 0.001 * 0.85, frames * 32 * 0.001 * 1.15);

        // A flipped bit also breaks the sum (usually): bad sums are the checksum faults plus most noisy frames.
        Assert.InRange(badSums, statistics.Faults(FaultKind.BadChecksum), statistics.Faults(FaultKind.BadChecksum) + statistics.Faults(FaultKind.LineNoise));
        Assert.True(flipped >= statistics.Faults(FaultKind.LineNoise));

        var nmea = Encoding.ASCII.GetBytes("$GPGGA,1*7A\r\n");
        var broken = Encoding.ASCII.GetString(SerialFaults.CorruptChecksum(nmea, SerialProtocol.Nmea, random)!);
        Assert.Matches(@"^\$GPGGA,1\*7[0-9A-F]\r\n$", broken);
        Assert.NotEqual("$GPGGA,1*7A\r\n", broken);
        Assert.Null(SerialFaults.CorruptChecksum(nmea, SerialProtocol.Csv, random));
    }

    [Fact]
    public async Task Bad_checksums_and_garbage_reach_the_line_and_good_frames_still_decode_after_resynchronising()
    {
        await using var port = await PlayAsync(SerialProtocol.Sds011, new FaultSettings { BadChecksum = 0.3, Garbage = 0.3 }, TimeSpan.FromMilliseconds(10));
        var (good, bad) = (0, 0);
        while (good + bad < 100)
        {
            var frame = await port.Reader.NextFrameAsync(0xAA, 0xC0, 10);
            if (frame[9] == 0xAB && (byte)frame.Skip(2).Take(6).Sum(b => b) == frame[8])
            {
                good++;
            }
            else
            {
                bad++;
            }
        }

        // About 30 % bad (garbage that happens to look like a frame start is rare); a wide margin for 100 frames.
        Assert.InRange(bad, 12, 50);
        Assert.True(port.Statistics.Faults(FaultKind.Garbage) > 10);
    }

    [Fact]
    public async Task The_command_line_writes_the_tty_paths_and_its_serial_devices_answer_until_SIGTERM()
    {
        using var directory = TempDirectory.Create("firmware-sim-serial");
        var paths = directory.File("ports.json");
        await using var simulator = DotNetPrograms.StartFirmwareSim(["--serial", "pms5003,modbus", "--serial-interval", "200ms", "--serial-paths-file", paths, "--progress", "0"]);
        await Eventually.TrueAsync(() => File.Exists(paths), "the paths file is written", cancellationToken: Token);
        var ports = JsonDocument.Parse(await File.ReadAllTextAsync(paths, Token)).RootElement.GetProperty("ports").EnumerateArray().ToList();
        Assert.Equal(["pms5003", "modbus"], ports.Select(p => p.GetProperty("name").GetString()));
        foreach (var path in ports.Select(p => p.GetProperty("path").GetString()!))
        {
            await simulator.WaitForOutputAsync(l => l.EndsWith(" on " + path, StringComparison.Ordinal), $"it prints {path}", cancellationToken: Token);
        }

        await using (var pms = TtyReader.Open(ports[0].GetProperty("path").GetString()!))
        {
            var frame = await pms.NextFrameAsync(0x42, 0x4D, 32);
            Assert.Equal(frame.Take(30).Sum(b => b), (frame[30] << 8) | frame[31]);
        }

        await using (var modbus = TtyReader.Open(ports[1].GetProperty("path").GetString()!))
        {
            Assert.Equal([1, 0x04, 2], (await AskAsync(modbus, Request(1, 0x04, 2, 1), expected: 7)).Take(3));
        }

        simulator.Terminate();
        await simulator.WaitForExitAsync(cancellationToken: Token);
        Assert.Equal(0, simulator.ExitCode);
        Assert.Contains(simulator.StandardOutput, l => l.Contains("on 2 port(s)", StringComparison.Ordinal) && l.Contains("modbus: 1 requests, 0 exceptions", StringComparison.Ordinal));
    }

    private static async Task<byte[]> AskAsync(TtyReader reader, byte[] request, int expected)
    {
        reader.Buffer.Clear();
        await reader.WriteAsync(request);
        await reader.ReadUntilAsync(b => b.Count >= expected, $"{expected} bytes of answer to {Convert.ToHexString(request)}");
        var answer = reader.Buffer.Take(expected).ToArray();
        reader.Buffer.RemoveRange(0, expected);
        Assert.True(ValidCrc(answer), $"CRC of {Convert.ToHexString(answer)}");
        return answer;
    }

    private static byte[] Request(byte slave, byte function, int start, int quantity)
    {
        byte[] body = [slave, function, (byte)(start >> 8), (byte)start, (byte)(quantity >> 8), (byte)quantity];
        var crc = Crc(body);
        return [.. body, (byte)crc, (byte)(crc >> 8)];
    }

    private static byte[] Corrupt(byte[] frame)
    {
        frame[^1] ^= 0x55;
        return frame;
    }

    private static bool ValidCrc(byte[] frame) => Crc(frame[..^2]) == (frame[^2] | (frame[^1] << 8));

    /// <summary>CRC-16/MODBUS bit by bit (the simulator uses a table).</summary>
    private static int Crc(byte[] data)
    {
        var crc = 0xFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xA001 : crc >> 1;
            }
        }

        return crc;
    }

    private static async Task<PlayedPort> PlayAsync(SerialProtocol protocol, FaultSettings? faults = null, TimeSpan? interval = null)
    {
        var settings = new SerialPortSettings
        {
            Protocol = protocol,
            Interval = interval ?? TimeSpan.FromMilliseconds(50),
            SlaveId = 7,
            DeviceId = protocol switch
            {
                SerialProtocol.Csv => "weather-test",
                SerialProtocol.JsonLines => "aq-test",
                _ => null,
            },
        };
        var statistics = new SimulatorStatistics();
        var fleet = SerialFleet.Open([settings], 1, City, faults ?? FaultSettings.None, statistics, TimeProvider.System);
        var reader = TtyReader.Open(fleet.Ports[0].Path);
        var stop = new CancellationTokenSource();
        var run = fleet.RunAsync(stop.Token);
        await Task.Yield();
        return new PlayedPort(fleet, reader, stop, run, statistics);
    }

    private sealed record PlayedPort(SerialFleet Fleet, TtyReader Reader, CancellationTokenSource Stop, Task Run, SimulatorStatistics Statistics) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Stop.CancelAsync();
            await Run;
            await Reader.DisposeAsync();
            Fleet.Dispose();
            Stop.Dispose();
        }
    }
}

internal static class TtyReaderFrames
{
    /// <summary>Skips to the next <paramref name="first"/>, <paramref name="second"/> pair and takes <paramref name="length"/> bytes from there.</summary>
    public static async Task<byte[]> NextFrameAsync(this TtyReader reader, byte first, byte second, int length)
    {
        await reader.ReadUntilAsync(
            b =>
            {
                var start = Start(b);
                if (start < 0)
                {
                    // Keep the last byte: it may be the first half of a start pair.
                    b.RemoveRange(0, Math.Max(0, b.Count - 1));
                    return false;
                }

                b.RemoveRange(0, start);
                return b.Count >= length;
            },
            $"a frame starting {first:X2} {second:X2}");
        var frame = reader.Buffer.Take(length).ToArray();
        reader.Buffer.RemoveRange(0, 2);
        return frame;

        int Start(List<byte> bytes)
        {
            for (var i = 0; i + 1 < bytes.Count; i++)
            {
                if (bytes[i] == first && bytes[i + 1] == second)
                {
                    return i;
                }
            }

            return -1;
        }
    }
}
