using EdgeGateway.Context;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Forwarding;

/// <summary>
/// Runs at start, after the devices file is applied and before the forwarder: refuses to start when a
/// device in the registry marks personal data but no key is configured (its values would otherwise leave
/// in plaintext), and reports the key in use and a key file others can read.
/// </summary>
internal sealed partial class FieldEncryptionGuard(DeviceRegistry registry, IOptions<EncryptionOptions> options, ILogger<FieldEncryptionGuard> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var encryption = options.Value;
        var marking = PersonalDataDevices(registry);
        if (!encryption.IsEnabled)
        {
            if (marking.Count > 0)
            {
                throw new OptionsValidationException(
                    EncryptionOptions.SectionName,
                    typeof(EncryptionOptions),
                    [$"{EncryptionOptions.SectionName}:{nameof(EncryptionOptions.KeysFile)}: {NoKeyProblem(marking)}"]);
            }

            return Task.CompletedTask;
        }

        if (FieldKeyRing.PermissionProblem(encryption.KeysFile!) is { } problem)
        {
            LogKeyFileExposed(logger, problem);
        }

        LogEncrypting(logger, encryption.ActiveKeyId!, marking.Count);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The devices of the registry that mark personal data, by id.</summary>
    internal static IReadOnlyList<string> PersonalDataDevices(DeviceRegistry registry) =>
        [.. registry.All.Where(d => d.PersonalDataFields.Count > 0).Select(d => d.DeviceId.Value)];

    /// <summary>Why a configuration without a key cannot run with these devices.</summary>
    internal static string NoKeyProblem(IReadOnlyList<string> devices) =>
        $"device{(devices.Count == 1 ? string.Empty : "s")} {string.Join(", ", devices.Take(5).Select(d => $"'{d}'"))}{(devices.Count > 5 ? $" and {devices.Count - 5} more" : string.Empty)} "
        + "mark personal data (personalData), but no encryption key is configured: their values would leave in plaintext. "
        + "Configure Encryption:KeysFile and Encryption:ActiveKeyId (edge-gateway keys new), or remove the marks";

    [LoggerMessage(EventId = 1460, Level = LogLevel.Information, Message = "Field encryption on: personal-data values are encrypted with key {KeyId} ({Devices} devices mark personal data)")]
    private static partial void LogEncrypting(ILogger logger, string keyId, int devices);

    [LoggerMessage(EventId = 1461, Level = LogLevel.Warning, Message = "Field encryption: {Problem}")]
    private static partial void LogKeyFileExposed(ILogger logger, string problem);
}
