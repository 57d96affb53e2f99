namespace FirmwareSim.Devices;

/// <summary>Where a device is installed.</summary>
/// <param name="Latitude">Degrees north.</param>
/// <param name="Longitude">Degrees east.</param>
/// <param name="District">The district (a topic level: <c>city/{district}/...</c>).</param>
/// <param name="UtcOffset">The local civil time's offset from UTC, for rush hours and dimming schedules.</param>
public sealed record DeviceLocation(double Latitude, double Longitude, string District, TimeSpan UtcOffset);
