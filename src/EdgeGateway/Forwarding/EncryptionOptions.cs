using System.ComponentModel.DataAnnotations;

namespace EdgeGateway.Forwarding;

/// <summary>
/// Section <c>Encryption</c>: field-level encryption of the metrics a device's context marks as personal
/// data (<c>personalData</c>). Their values leave the gateway only as AES-256-GCM ciphertext; see
/// WIRE-FORMAT.md. Rotation: add a key to the file, switch <see cref="ActiveKeyId"/>, restart.
/// </summary>
public sealed class EncryptionOptions : IValidatableObject
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Encryption";

    /// <summary>
    /// The key file: one key per line, <c>KEY-ID KEY</c>, the key 32 bytes in base64 or 64 hex digits;
    /// <c>#</c> starts a comment. Readable by the service only (mode 0600 or 0400). Create one with
    /// <c>edge-gateway keys new --id ID --file FILE</c>.
    /// </summary>
    public string? KeysFile { get; set; }

    /// <summary>The id of the key that encrypts from now on; it must be in <see cref="KeysFile"/>.</summary>
    public string? ActiveKeyId { get; set; }

    /// <summary>True when a key file is configured.</summary>
    public bool IsEnabled => !string.IsNullOrWhiteSpace(KeysFile);

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsEnabled)
        {
            if (!string.IsNullOrWhiteSpace(ActiveKeyId))
            {
                yield return new ValidationResult("is set but Encryption:KeysFile is not: name the file that holds the key", [nameof(ActiveKeyId)]);
            }

            yield break;
        }

        FieldKeyRing? keys = null;
        string? problem = null;
        try
        {
            keys = FieldKeyRing.Load(KeysFile!);
        }
        catch (FieldKeyException error)
        {
            problem = error.Message;
        }

        if (problem is not null)
        {
            yield return new ValidationResult(problem, [nameof(KeysFile)]);
            yield break;
        }

        if (string.IsNullOrWhiteSpace(ActiveKeyId))
        {
            yield return new ValidationResult($"is required with a key file: one of {string.Join(", ", keys!.KeyIds)}", [nameof(ActiveKeyId)]);
        }
        else if (!keys!.Contains(ActiveKeyId))
        {
            yield return new ValidationResult($"'{ActiveKeyId}' is not in {KeysFile} (it holds {string.Join(", ", keys.KeyIds)})", [nameof(ActiveKeyId)]);
        }
    }
}
