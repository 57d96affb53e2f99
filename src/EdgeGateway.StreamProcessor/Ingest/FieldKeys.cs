using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EdgeGateway.StreamProcessor.Ingest;

/// <summary>What became of one encrypted value (<c>e</c>).</summary>
internal enum DecryptionStatus
{
    /// <summary>Decrypted and authenticated.</summary>
    Decrypted,

    /// <summary>The processor has no key with the batch's key id.</summary>
    NoKey,

    /// <summary>The key id is known but the tag did not verify: a wrong key under that id, or a value altered or moved.</summary>
    Failed,
}

/// <summary>
/// The processor's field-encryption keys (<c>--keys-file</c>) and the decryption of encrypted values,
/// written from the wire format (WIRE-FORMAT.md, "Encrypted values") rather than shared with the gateway,
/// so the documented format is what both sides implement. Key file: <c>KEY-ID KEY</c> per line, the key
/// 32 bytes in base64 or 64 hex digits, <c>#</c> comments.
/// </summary>
internal sealed class FieldKeys : IDisposable
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private const int ValueBytes = 8;
    private readonly Dictionary<string, AesGcm> _keys;
    private readonly Lock _gate = new();

    private FieldKeys(Dictionary<string, AesGcm> keys) => _keys = keys;

    /// <summary>No keys: every encrypted value counts as <see cref="DecryptionStatus.NoKey"/>.</summary>
    public static FieldKeys None { get; } = new([]);

    /// <summary>The key ids held.</summary>
    public IReadOnlyCollection<string> KeyIds => _keys.Keys;

    /// <summary>Reads a key file.</summary>
    /// <exception cref="FormatException">The file cannot be read or a line is invalid (the message names the line, never key material).</exception>
    public static FieldKeys Load(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"the key file '{path}' cannot be read: {error.Message}");
        }

        var keys = new Dictionary<string, AesGcm>(StringComparer.Ordinal);
        try
        {
            for (var i = 0; i < lines.Length; i++)
            {
                var line = lines[i].Trim();
                if (line.Length == 0 || line[0] == '#')
                {
                    continue;
                }

                var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                var key = parts.Length == 2 ? ParseKey(parts[1]) : null;
                if (key is null)
                {
                    throw new FormatException($"{path} line {i + 1}: expected 'KEY-ID KEY' with a 256-bit key (base64 or 64 hex digits)");
                }

                if (keys.ContainsKey(parts[0]))
                {
                    throw new FormatException($"{path} line {i + 1}: key id '{parts[0]}' appears more than once");
                }

                keys.Add(parts[0], new AesGcm(key, TagBytes));
                CryptographicOperations.ZeroMemory(key);
            }
        }
        catch
        {
            foreach (var aes in keys.Values)
            {
                aes.Dispose();
            }

            throw;
        }

        return keys.Count > 0 ? new FieldKeys(keys) : throw new FormatException($"the key file '{path}' holds no key");
    }

    /// <summary>The associated data the gateway bound the value to (WIRE-FORMAT.md).</summary>
    public static byte[] AssociatedData(string gatewayId, string deviceId, long sequence, long receiveTime, long? eventTime, string metric) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"edge-fle/1|{gatewayId}|{deviceId}|{sequence}|{receiveTime}|{eventTime}|{metric}"));

    /// <summary>Decrypts <paramref name="sealedValue"/> (base64 of nonce ‖ ciphertext ‖ tag) encrypted with <paramref name="keyId"/>.</summary>
    public DecryptionStatus TryDecrypt(string keyId, string sealedValue, ReadOnlySpan<byte> associatedData, out double value)
    {
        value = double.NaN;
        if (!_keys.TryGetValue(keyId, out var aes))
        {
            return DecryptionStatus.NoKey;
        }

        Span<byte> bytes = stackalloc byte[NonceBytes + ValueBytes + TagBytes];
        if (!Convert.TryFromBase64String(sealedValue, bytes, out var written) || written != bytes.Length)
        {
            return DecryptionStatus.Failed;
        }

        Span<byte> plaintext = stackalloc byte[ValueBytes];
        try
        {
            lock (_gate)
            {
                aes.Decrypt(bytes[..NonceBytes], bytes.Slice(NonceBytes, ValueBytes), bytes[(NonceBytes + ValueBytes)..], plaintext, associatedData);
            }
        }
        catch (AuthenticationTagMismatchException)
        {
            return DecryptionStatus.Failed;
        }

        value = BinaryPrimitives.ReadDoubleLittleEndian(plaintext);
        return double.IsFinite(value) ? DecryptionStatus.Decrypted : DecryptionStatus.Failed;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var aes in _keys.Values)
        {
            aes.Dispose();
        }
    }

    private static byte[]? ParseKey(string text)
    {
        if (text.Length == 64 && text.All(char.IsAsciiHexDigit))
        {
            return Convert.FromHexString(text);
        }

        var buffer = new byte[(text.Length * 3 / 4) + 3];
        return Convert.TryFromBase64String(text, buffer, out var written) && written == 32 ? buffer[..written] : null;
    }
}
