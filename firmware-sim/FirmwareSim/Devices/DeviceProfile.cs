using FirmwareSim.Payloads;

namespace FirmwareSim.Devices;

/// <summary>The fixed identity and settings of one simulated device, as the fleet was built.</summary>
/// <param name="Id">The device id (e.g. <c>aq-0001</c>): a topic level and the ledger's <c>device</c>.</param>
/// <param name="Model">What it measures.</param>
/// <param name="Firmware">The firmware version it starts with (reported in its status message).</param>
/// <param name="Location">Where it is.</param>
/// <param name="SamplingInterval">How often it samples and sends, until a command changes it.</param>
/// <param name="Clock">How its own clock differs from true time.</param>
/// <param name="Format">The payload format its firmware sends.</param>
public sealed record DeviceProfile(
    string Id,
    DeviceModel Model,
    string Firmware,
    DeviceLocation Location,
    TimeSpan SamplingInterval,
    DeviceClockSettings Clock,
    PayloadFormat Format = PayloadFormat.Json);
