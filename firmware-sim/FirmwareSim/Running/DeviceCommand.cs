using System.Text.Json;
using FirmwareSim.Payloads;

namespace FirmwareSim.Running;

/// <summary>
/// A command for one device, as published on its <c>cmd</c> topic: a JSON object with
/// <c>samplingInterval</c> (a duration such as <c>"5s"</c>, or a number of seconds) and/or
/// <c>firmware</c> (a new version, as after an update). Other fields are ignored.
/// </summary>
/// <param name="DeviceId">The device.</param>
/// <param name="SamplingInterval">The new sampling interval, if any.</param>
/// <param name="Firmware">The new firmware version, if any.</param>
public sealed record DeviceCommand(string DeviceId, TimeSpan? SamplingInterval, string? Firmware)
{
    /// <summary>The shortest interval a command may set.</summary>
    public static TimeSpan MinimumInterval { get; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Parses a command payload; false with a reason when it is not one.</summary>
    public static bool TryParse(string deviceId, ReadOnlySpan<byte> payload, out DeviceCommand? command, out string? problem)
    {
        command = null;
        problem = null;
        TimeSpan? interval = null;
        string? firmware = null;
        try
        {
            using var document = JsonDocument.Parse(payload.ToArray());
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                problem = "a command is a JSON object";
                return false;
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "samplingInterval":
                        var text = property.Value.ValueKind switch
                        {
                            JsonValueKind.String => property.Value.GetString(),
                            JsonValueKind.Number => property.Value.GetRawText(),
                            _ => null,
                        };
                        if (!Durations.TryParse(text, out var parsed) || parsed < MinimumInterval)
                        {
                            problem = $"samplingInterval {property.Value.GetRawText()} is not a duration of at least {Durations.Format(MinimumInterval)}";
                            return false;
                        }

                        interval = parsed;
                        break;
                    case "firmware" when property.Value.ValueKind == JsonValueKind.String && property.Value.GetString() is { Length: > 0 and <= 64 } version:
                        firmware = version;
                        break;
                    case "firmware":
                        problem = "firmware must be a string of 1 to 64 characters";
                        return false;
                }
            }
        }
        catch (JsonException error)
        {
            problem = $"not JSON: {error.Message}";
            return false;
        }

        if (interval is null && firmware is null)
        {
            problem = "nothing to do (expected samplingInterval or firmware)";
            return false;
        }

        command = new DeviceCommand(deviceId, interval, firmware);
        return true;
    }
}
