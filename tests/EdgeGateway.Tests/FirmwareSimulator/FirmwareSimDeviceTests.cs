using FirmwareSim.Devices;
using FirmwareSim.Fleet;
using FirmwareSim.Payloads;
using Xunit;
using static EdgeGateway.Tests.FirmwareSimulator.SimulatorTestSupport;

namespace EdgeGateway.Tests.FirmwareSimulator;

public sealed class FirmwareSimDeviceTests
{
    [Fact]
    public void The_same_seed_gives_the_same_series_and_another_seed_a_different_one()
    {
        static List<double> Series(long seed)
        {
            var device = new SimulatedDevice(Profile(DeviceModel.Weather), seed, Wednesday);
            return [.. Enumerable.Range(0, 500).SelectMany(_ => device.SampleScheduled().Values)];
        }

        Assert.Equal(Series(11), Series(11));
        Assert.NotEqual(Series(11), Series(12));
    }

    [Fact]
    public void Seeds_are_stable_across_processes_and_machines()
    {
        // FNV-1a of (seed, id, purpose), checked against an independent computation (Python): a changed value
        // means every recorded scenario replays differently.
        Assert.Equal(DeviceSeeds.Derive(42, "aq-0001", "signal"), DeviceSeeds.Derive(42, "aq-0001", "signal"));
        Assert.Equal(393_054_514, DeviceSeeds.Derive(42, "aq-0001", "signal"));
        Assert.NotEqual(DeviceSeeds.Derive(42, "aq-0001", "signal"), DeviceSeeds.Derive(42, "aq-0001", "faults"));
        Assert.NotEqual(DeviceSeeds.Derive(42, "aq-0001", "signal"), DeviceSeeds.Derive(42, "aq-0002", "signal"));
    }

    [Fact]
    public void A_device_is_the_same_whatever_the_size_of_its_fleet()
    {
        var small = DefaultFleet(10).Single(p => p.Id == "aq-0001");
        var large = DefaultFleet(3000).Single(p => p.Id == "aq-0001");

        Assert.Equal(small, large);
        var a = new SimulatedDevice(small, 42, Wednesday);
        var b = new SimulatedDevice(large, 42, Wednesday);
        Assert.Equal(a.NextSampleTime, b.NextSampleTime);
        Assert.Equal(a.SampleScheduled().Values, b.SampleScheduled().Values);
    }

    [Fact]
    public void The_default_fleet_spreads_over_every_model_with_unique_ids_in_the_city()
    {
        var fleet = DefaultFleet(1000);
        var city = new CitySettings();

        Assert.Equal(1000, fleet.Select(p => p.Id).Distinct().Count());
        Assert.Equal([300, 200, 100, 200, 100, 100], DeviceModels.All.Select(m => fleet.Count(p => p.Model == m)));
        Assert.Equal("aq-0001", fleet[0].Id);
        Assert.All(fleet, p =>
        {
            Assert.Contains(p.Location.District, city.Districts);
            Assert.InRange(p.Location.Latitude, city.Latitude - 0.06, city.Latitude + 0.06);
            Assert.InRange(p.Clock.Offset, -FleetBuilder.DefaultClockOffset, FleetBuilder.DefaultClockOffset);
            Assert.Equal(DeviceModels.DefaultInterval(p.Model), p.SamplingInterval);
        });
        Assert.Equal(city.Districts.Count, fleet.Select(p => p.Location.District).Distinct().Count());
        Assert.InRange(fleet.Select(p => p.Clock.DriftPpm).Select(Math.Abs).Average(), 10, 22);
    }

    [Fact]
    public void Resizing_scenario_groups_keeps_their_proportions_and_settings()
    {
        IReadOnlyList<DeviceGroup> groups =
        [
            new() { Model = DeviceModel.AirQuality, Count = 3, Interval = TimeSpan.FromSeconds(5), Format = PayloadFormat.SenMl },
            new() { Model = DeviceModel.Parking, Count = 1, District = "harbour" },
        ];

        var resized = FleetBuilder.Resize(groups, 10);

        Assert.Equal([8, 2], resized.Select(g => g.Count));
        Assert.Equal(TimeSpan.FromSeconds(5), resized[0].Interval);
        Assert.Equal("harbour", resized[1].District);
        var fleet = FleetBuilder.Build(resized, new CitySettings(), 1, PayloadFormat.Json);
        Assert.All(fleet.Where(p => p.Model == DeviceModel.AirQuality), p => Assert.Equal(PayloadFormat.SenMl, p.Format));
        Assert.All(fleet.Where(p => p.Model == DeviceModel.Parking), p => Assert.Equal("harbour", p.Location.District));
    }

    [Fact]
    public void The_device_clock_is_off_by_its_offset_plus_its_drift()
    {
        var clock = new DeviceClock(new DeviceClockSettings(TimeSpan.FromSeconds(2), 100), Wednesday);

        Assert.Equal(Wednesday.AddSeconds(2), clock.Read(Wednesday));
        Assert.Equal(Wednesday.AddDays(1).AddSeconds(2 + 8.64), clock.Read(Wednesday.AddDays(1)));

        var device = new SimulatedDevice(Profile(DeviceModel.Noise, clock: new DeviceClockSettings(TimeSpan.FromSeconds(-1), 0)), 1, Wednesday);
        var sample = device.SampleScheduled();
        Assert.Equal(sample.TrueTime.AddSeconds(-1), sample.DeviceTime);
    }

    [Fact]
    public void Samples_follow_the_schedule_and_an_interval_change_takes_effect_from_the_last_sample()
    {
        var device = new SimulatedDevice(Profile(DeviceModel.Noise, interval: TimeSpan.FromSeconds(10)), 3, Wednesday);
        Assert.InRange(device.NextSampleTime, Wednesday, Wednesday.AddSeconds(10));

        var first = device.SampleScheduled();
        var second = device.SampleScheduled();
        Assert.Equal(TimeSpan.FromSeconds(10), second.TrueTime - first.TrueTime);
        Assert.Equal([0L, 1L], [first.Sequence, second.Sequence]);

        device.ChangeInterval(TimeSpan.FromSeconds(2), second.TrueTime.AddSeconds(1));
        Assert.Equal(second.TrueTime.AddSeconds(2), device.NextSampleTime);
        device.ChangeInterval(TimeSpan.FromSeconds(1), second.TrueTime.AddSeconds(5));
        Assert.Equal(second.TrueTime.AddSeconds(5), device.NextSampleTime);
    }

    [Fact]
    public void Air_quality_peaks_at_rush_hour_and_ozone_follows_the_sun()
    {
        var night = FleetMean(DeviceModel.AirQuality, 2, LocalHour(3));
        var morning = FleetMean(DeviceModel.AirQuality, 2, LocalHour(8));
        var evening = FleetMean(DeviceModel.AirQuality, 2, LocalHour(17.5));
        var midday = FleetMean(DeviceModel.AirQuality, 2, LocalHour(12.5));

        Assert.True(morning > 2 * night, $"NO2 at 08:00 {morning:0.0}, at 03:00 {night:0.0}");
        Assert.True(evening > 2 * night && morning > midday && evening > midday, $"NO2 at 17:30 {evening:0.0}, at 12:30 {midday:0.0}");
        Assert.True(FleetMean(DeviceModel.AirQuality, 0, LocalHour(8)) > FleetMean(DeviceModel.AirQuality, 0, LocalHour(3)));
        Assert.True(FleetMean(DeviceModel.AirQuality, 3, LocalHour(13)) > FleetMean(DeviceModel.AirQuality, 3, LocalHour(3)) + 5);

        var device = new SimulatedDevice(Profile(DeviceModel.AirQuality), 5, Wednesday);
        for (var i = 0; i < 2000; i++)
        {
            var values = device.SampleScheduled().Values;
            Assert.True(values[1] >= values[0], "PM10 includes PM2.5");
            Assert.All(values, v => Assert.InRange(v, 0.5, 400));
        }
    }

    [Fact]
    public void Noise_is_louder_by_day_and_its_maximum_is_above_its_mean()
    {
        Assert.True(FleetMean(DeviceModel.Noise, 0, LocalHour(17.5)) > FleetMean(DeviceModel.Noise, 0, LocalHour(3)) + 8);

        var device = new SimulatedDevice(Profile(DeviceModel.Noise, interval: TimeSpan.FromSeconds(10)), 5, Wednesday);
        for (var i = 0; i < 2000; i++)
        {
            var values = device.SampleScheduled().Values;
            Assert.True(values[1] >= values[0]);
            Assert.InRange(values[0], 25, 110);
        }
    }

    [Fact]
    public void Rain_arrives_as_tipping_bucket_pulses_within_each_interval()
    {
        var device = new SimulatedDevice(Profile(DeviceModel.Weather, interval: TimeSpan.FromMinutes(1)), 9, Wednesday);
        var weather = (WeatherSignal)device.Signal;
        var minutes = 30 * 24 * 60;
        var rainyMinutes = 0;
        var tips = 0;
        for (var i = 0; i < minutes; i++)
        {
            var sample = device.SampleScheduled();
            var count = (int)sample.Values[5];
            Assert.Equal(Math.Round(count * WeatherSignal.MillimetresPerTip, 1), sample.Values[6]);
            Assert.Equal(count, weather.LastTipTimes.Count);
            Assert.All(weather.LastTipTimes, t => Assert.InRange(t, sample.TrueTime.AddMinutes(-1), sample.TrueTime));
            Assert.Equal(weather.LastTipTimes.Order(), weather.LastTipTimes);
            rainyMinutes += weather.IsRaining ? 1 : 0;
            tips += count;
            Assert.InRange(sample.Values[1], 15, 100);
            Assert.InRange(sample.Values[4], 0, 360);
        }

        // Showers of ~3 h every ~18 h: it rains about a seventh of the time, a few mm per shower.
        Assert.InRange(rainyMinutes / (double)minutes, 0.04, 0.35);
        Assert.InRange(tips * WeatherSignal.MillimetresPerTip, 10, 400);
    }

    [Fact]
    public void Traffic_counts_follow_the_rush_hours_and_slow_down_when_busy()
    {
        var rush = FleetMean(DeviceModel.Traffic, 0, LocalHour(8));
        var night = FleetMean(DeviceModel.Traffic, 0, LocalHour(3));

        // A minute of a busy lane: about 20 vehicles at the peak, a handful at night.
        Assert.InRange(rush, 10, 40);
        Assert.True(rush > 3 * night, $"vehicles at 08:00 {rush:0.0}, at 03:00 {night:0.0}");
        Assert.True(FleetMean(DeviceModel.Traffic, 1, LocalHour(8)) < FleetMean(DeviceModel.Traffic, 1, LocalHour(3)) - 5);
    }

    [Fact]
    public void Parking_bays_change_state_more_often_by_day()
    {
        static int Changes(double fromHour)
        {
            var changes = 0;
            for (var d = 0; d < 100; d++)
            {
                var device = new SimulatedDevice(Profile(DeviceModel.Parking, $"p-{d}", TimeSpan.FromMinutes(5)), 1, LocalHour(fromHour));
                var last = -1.0;
                for (var t = 0; t < 12 * 4; t++)
                {
                    var occupied = device.SampleAt(LocalHour(fromHour).AddMinutes(5 * t)).Values[0];
                    Assert.True(occupied is 0 or 1);
                    changes += last >= 0 && occupied != last ? 1 : 0;
                    last = occupied;
                }
            }

            return changes;
        }

        Assert.True(Changes(9) > 2 * Changes(0));
    }

    [Fact]
    public void Street_lights_are_on_at_night_off_by_day_and_dimmed_after_midnight()
    {
        var evening = FleetMean(DeviceModel.StreetLight, 1, LocalHour(20));
        Assert.Equal(1, FleetMean(DeviceModel.StreetLight, 0, LocalHour(20)));
        Assert.Equal(1, FleetMean(DeviceModel.StreetLight, 0, LocalHour(2)));
        Assert.Equal(0, FleetMean(DeviceModel.StreetLight, 0, LocalHour(12.5)));
        Assert.InRange(FleetMean(DeviceModel.StreetLight, 1, LocalHour(2)) / evening, 0.45, 0.55);
        Assert.InRange(FleetMean(DeviceModel.StreetLight, 1, LocalHour(12.5)), 0.5, 0.7);
    }
}
