namespace FirmwareSim.Devices;

/// <summary>The kinds of sensor the simulator can play.</summary>
public enum DeviceModel
{
    /// <summary>Air quality: PM2.5, PM10, NO2, O3 with a daily cycle and rush-hour peaks (topic name <c>aq</c>).</summary>
    AirQuality,

    /// <summary>Noise: equivalent and maximum sound level in dBA (topic name <c>noise</c>).</summary>
    Noise,

    /// <summary>Weather station: temperature, humidity, pressure, wind, rain from a tipping bucket (topic name <c>weather</c>).</summary>
    Weather,

    /// <summary>Traffic counter: vehicles per interval and their mean speed (topic name <c>traffic</c>).</summary>
    Traffic,

    /// <summary>Parking bay: occupied or not, changing with arrivals and departures (topic name <c>parking</c>).</summary>
    Parking,

    /// <summary>Street light: on/off by the sun, power drawn, dimmed after midnight (topic name <c>light</c>).</summary>
    StreetLight,
}
