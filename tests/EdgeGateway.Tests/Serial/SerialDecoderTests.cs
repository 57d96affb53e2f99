using System.Text;
using EdgeGateway.Decoding;
using EdgeGateway.Domain;
using EdgeGateway.Sources.Serial;
using Xunit;

namespace EdgeGateway.Tests.Serial;

public sealed class SerialDecoderTests
{
    private static readonly DeviceId Device = new("dev-1");
    private static readonly DateTimeOffset Received = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    private static RawMessage Message(byte[] payload) => new(SourceKind.Serial, "uart0", "/dev/ttyUSB0", payload, Received);

    private static RawMessage Message(string text) => Message(Encoding.ASCII.GetBytes(text.TrimEnd('\r', '\n')));

    [Fact]
    public void Pms5003_gives_mass_concentrations_and_particle_counts_with_units()
    {
        var result = new Pms5003Decoder(Device).Decode(Message(SerialFrames.Pms5003(5, 12, 20, particles03: 1500)), null);

        Assert.True(result.IsSuccess);
        var byMetric = result.Readings.ToDictionary(r => r.Metric);
        Assert.Equal((5.0, "ug/m3"), (byMetric["pm1_0"].Value, byMetric["pm1_0"].Unit));
        Assert.Equal(12.0, byMetric["pm2_5"].Value);
        Assert.Equal(20.0, byMetric["pm10"].Value);
        Assert.Equal((1500.0, "/0.1L"), (byMetric["particles_0_3um"].Value, byMetric["particles_0_3um"].Unit));
        Assert.All(result.Readings, r => Assert.Equal(Device, r.DeviceId));
    }

    [Fact]
    public void Pms5003_refuses_a_frame_with_a_bad_checksum()
    {
        var frame = SerialFrames.Pms5003(1, 2, 3);
        frame[31] ^= 0x10;
        var result = new Pms5003Decoder(Device).Decode(Message(frame), null);
        Assert.Equal(DecodeFailureReason.ChecksumMismatch, result.Failure?.Reason);
    }

    [Fact]
    public void Sds011_gives_pm2_5_and_pm10_in_ug_per_m3()
    {
        var result = new Sds011Decoder(Device).Decode(Message(SerialFrames.Sds011(123, 456)), null);
        Assert.Equal([("pm2_5", 12.3, "ug/m3"), ("pm10", 45.6, "ug/m3")], result.Readings.Select(r => (r.Metric, r.Value, r.Unit!)));
    }

    [Fact]
    public void Nmea_GGA_gives_position_fix_quality_satellites_and_altitude()
    {
        var line = SerialFrames.Nmea("GPGGA,092750.000,5321.6802,N,00630.3372,W,1,8,1.03,61.7,M,55.2,M,,");
        var result = new NmeaDecoder(Device).Decode(Message(line), null);

        Assert.True(result.IsSuccess, result.ToString());
        var byMetric = result.Readings.ToDictionary(r => r.Metric, r => r.Value);
        Assert.Equal(53.36133667, byMetric["latitude"], 6);
        Assert.Equal(-6.50562, byMetric["longitude"], 5);
        Assert.Equal(1, byMetric["fix_quality"]);
        Assert.Equal(8, byMetric["satellites"]);
        Assert.Equal(61.7, byMetric["altitude"]);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 9, 27, 50, TimeSpan.Zero), result.Readings[0].EventTime);
    }

    [Fact]
    public void Nmea_GGA_without_a_fix_reports_only_the_fix_quality()
    {
        var result = new NmeaDecoder(Device).Decode(Message(SerialFrames.Nmea("GNGGA,235959.00,,,,,0,00,99.99,,,,,,")), null);
        var reading = Assert.Single(result.Readings);
        Assert.Equal(("fix_quality", 0.0), (reading.Metric, reading.Value));

        // 23:59:59 received at 10:00 is yesterday's.
        Assert.Equal(new DateTimeOffset(2026, 11, 21, 23, 59, 59, TimeSpan.Zero), reading.EventTime);
    }

    [Fact]
    public void Nmea_RMC_gives_position_speed_in_km_per_h_course_and_the_full_time()
    {
        var line = SerialFrames.Nmea("GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W");
        var result = new NmeaDecoder(Device).Decode(Message(line), null);

        var byMetric = result.Readings.ToDictionary(r => r.Metric, r => r.Value);
        Assert.Equal(1, byMetric["fix_valid"]);
        Assert.Equal(48.1173, byMetric["latitude"], 4);
        Assert.Equal(11.516667, byMetric["longitude"], 5);
        Assert.Equal(41.485, byMetric["speed"], 3);
        Assert.Equal(84.4, byMetric["course"]);
        Assert.Equal(new DateTimeOffset(1994, 3, 23, 12, 35, 19, TimeSpan.Zero), result.Readings[0].EventTime);
    }

    [Theory]
    [InlineData("$GPGGA,092750.000,5321.6802,N,00630.3372,W,1,8,1.03,61.7,M,55.2,M,,*00", DecodeFailureReason.ChecksumMismatch)]
    [InlineData("$GPGGA,092750.000,5321.6802,N,00630.3372,W,1,8,1.03,61.7,M,55.2,M,,", DecodeFailureReason.MalformedFrame)]
    [InlineData("GPGGA,1*00", DecodeFailureReason.MalformedFrame)]
    public void Nmea_refuses_bad_checksums_and_malformed_sentences(string line, DecodeFailureReason reason)
    {
        Assert.Equal(reason, new NmeaDecoder(Device).Decode(Message(line), null).Failure?.Reason);
    }

    [Fact]
    public void Nmea_garbled_fields_with_a_valid_checksum_are_malformed()
    {
        var result = new NmeaDecoder(Device).Decode(Message(SerialFrames.Nmea("GPGGA,092750.000,53x1.6802,N,00630.3372,W,1,8,1.03,61.7,M,55.2,M,,")), null);
        Assert.Equal(DecodeFailureReason.MalformedFrame, result.Failure?.Reason);
    }

    [Fact]
    public void Csv_columns_become_scaled_readings_and_a_device_column_names_the_device()
    {
        var decoder = new CsvLineDecoder(null, new CsvOptions
        {
            Separator = ';',
            DeviceIdColumn = 0,
            Columns =
            [
                new CsvColumn { Index = 1, Metric = "temperature", Unit = "Cel" },
                new CsvColumn { Index = 3, Metric = "pressure", Unit = "hPa", Scale = 0.01 },
            ],
        });

        var result = decoder.Decode(Message("ws-7;21.5;ignored;101325"), null);
        Assert.Equal([("ws-7", "temperature", 21.5), ("ws-7", "pressure", 1013.25)], result.Readings.Select(r => (r.DeviceId.Value, r.Metric, r.Value)));

        Assert.Equal(DecodeFailureReason.NonNumericValue, decoder.Decode(Message("ws-7;n/a;x;1"), null).Failure?.Reason);
        Assert.Equal(DecodeFailureReason.NoMetrics, decoder.Decode(Message("ws-7;1"), null).Failure?.Reason);
    }

    [Fact]
    public void Json_lines_use_the_ports_device_id()
    {
        var options = new SerialPortOptions
        {
            Path = "/dev/ttyUSB0",
            Protocol = SerialProtocol.Lines,
            LineFormat = LineFormat.Json,
            DeviceId = "noise-3",
            Json = new JsonDecoderOptions { AllNumericFields = true },
        };
        var result = options.CreateDecoder().Decode(Message("""{"laeq": 61.2}"""), null);
        var reading = Assert.Single(result.Readings);
        Assert.Equal(("noise-3", "laeq", 61.2), (reading.DeviceId.Value, reading.Metric, reading.Value));
    }
}
