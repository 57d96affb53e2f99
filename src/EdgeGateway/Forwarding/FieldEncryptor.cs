using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EdgeGateway.Forwarding;

/// <summary>
/// Encrypts the values of personal-data metrics with AES-256-GCM under the active key (WIRE-FORMAT.md,
/// "Encrypted values"). Each value gets a fresh random 96-bit nonce; the associated data binds the
/// ciphertext to its gateway, device, sequence, times and metric, so it cannot be moved to another
/// reading. The value itself never appears in an exception or a log line.
/// </summary>
public sealed class FieldEncryptor : IDisposable
{
    /// <summary>Nonce length in bytes (96 bits, GCM's standard).</summary>
    public const int NonceBytes = 12;

    /// <summary>Tag length in bytes (128 bits).</summary>
    public const int TagBytes = 16;

    /// <summary>Plaintext length in bytes: the value as an IEEE 754 binary64, little-endian (fixed, so the length tells nothing).</summary>
    public const int ValueBytes = 8;

    /// <summary>The prefix of the associated data, naming this scheme and its version.</summary>
    public const string AssociatedDataPrefix = "edge-fle/1";

    private readonly AesGcm _aes;
    private readonly Lock _gate = new();

    private FieldEncryptor(string keyId, byte[] key)
    {
        KeyId = keyId;
        _aes = new AesGcm(key, TagBytes);
    }

    /// <summary>The id of the key values are encrypted with (<c>batch.keyId</c> on the wire).</summary>
    public string KeyId { get; }

    /// <summary>An encryptor for the key <paramref name="activeKeyId"/> of <paramref name="keys"/>.</summary>
    /// <exception cref="FieldKeyException">The key id is not in the ring.</exception>
    public static FieldEncryptor Create(FieldKeyRing keys, string activeKeyId)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentException.ThrowIfNullOrWhiteSpace(activeKeyId);
        return keys.Contains(activeKeyId)
            ? new FieldEncryptor(activeKeyId, keys.Key(activeKeyId))
            : throw new FieldKeyException($"key '{activeKeyId}' is not in {keys.Path}");
    }

    /// <summary>
    /// The associated data of a reading's value, UTF-8:
    /// <c>edge-fle/1|GATEWAY|DEVICE|SEQUENCE|RECEIVED|EVENT|METRIC</c> with the times in ms since the
    /// epoch (EVENT empty when the reading has none). Gateway and device ids cannot contain <c>|</c>;
    /// the metric, last, may.
    /// </summary>
    public static byte[] AssociatedData(string gatewayId, string deviceId, long sequence, long receivedAtMs, long? eventTimeMs, string metric) =>
        Encoding.UTF8.GetBytes(string.Create(
            CultureInfo.InvariantCulture,
            $"{AssociatedDataPrefix}|{gatewayId}|{deviceId}|{sequence}|{receivedAtMs}|{eventTimeMs}|{metric}"));

    /// <summary>
    /// Encrypts <paramref name="value"/>; returns base64 of nonce ‖ ciphertext ‖ tag (36 bytes, 48 characters).
    /// </summary>
    public string Encrypt(double value, string gatewayId, string deviceId, long sequence, long receivedAtMs, long? eventTimeMs, string metric)
    {
        Span<byte> sealedValue = stackalloc byte[NonceBytes + ValueBytes + TagBytes];
        Span<byte> plaintext = stackalloc byte[ValueBytes];
        BinaryPrimitives.WriteDoubleLittleEndian(plaintext, value);
        var nonce = sealedValue[..NonceBytes];
        RandomNumberGenerator.Fill(nonce);
        var associated = AssociatedData(gatewayId, deviceId, sequence, receivedAtMs, eventTimeMs, metric);
        lock (_gate)
        {
            _aes.Encrypt(nonce, plaintext, sealedValue.Slice(NonceBytes, ValueBytes), sealedValue[(NonceBytes + ValueBytes)..], associated);
        }

        CryptographicOperations.ZeroMemory(plaintext);
        return Convert.ToBase64String(sealedValue);
    }

    /// <inheritdoc />
    public void Dispose() => _aes.Dispose();
}
