using System.Security.Cryptography;

namespace EdgeGateway.Forwarding;

/// <summary>
/// The field-encryption keys of a key file: one per line, <c>KEY-ID KEY</c>, each key 256 bits written
/// as base64 or as 64 hex digits; blank lines and lines starting with <c>#</c> are ignored. Key ids are
/// 1-64 of <c>A-Z a-z 0-9 . _ -</c>. The stream processor reads the same format.
/// </summary>
public sealed class FieldKeyRing
{
    /// <summary>The key length in bytes (AES-256).</summary>
    public const int KeyBytes = 32;

    private readonly Dictionary<string, byte[]> _keys;

    private FieldKeyRing(string path, Dictionary<string, byte[]> keys)
    {
        Path = path;
        _keys = keys;
    }

    /// <summary>The file the keys came from.</summary>
    public string Path { get; }

    /// <summary>The key ids, in file order.</summary>
    public IReadOnlyList<string> KeyIds => [.. _keys.Keys];

    /// <summary>True when <paramref name="keyId"/> is in the file.</summary>
    public bool Contains(string keyId) => _keys.ContainsKey(keyId);

    /// <summary>The key material of <paramref name="keyId"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such key id.</exception>
    public byte[] Key(string keyId) => _keys[keyId];

    /// <summary>Reads and checks a key file; every problem names the line (never the key material).</summary>
    /// <exception cref="FieldKeyException">The file cannot be read, or a line is invalid.</exception>
    public static FieldKeyRing Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new FieldKeyException($"the key file '{path}' cannot be read: {error.Message}");
        }

        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var where = $"{path} line {i + 1}";
            var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2)
            {
                throw new FieldKeyException($"{where}: expected 'KEY-ID KEY' (the key in base64 or 64 hex digits)");
            }

            var id = parts[0];
            if (!IsValidKeyId(id))
            {
                throw new FieldKeyException($"{where}: key id '{id}' is not 1-64 of A-Z a-z 0-9 . _ -");
            }

            var material = ParseKey(parts[1])
                ?? throw new FieldKeyException($"{where}: key '{id}' is not {KeyBytes} bytes in base64 or {KeyBytes * 2} hex digits (AES-256 needs a 256-bit key)");
            if (!keys.TryAdd(id, material))
            {
                throw new FieldKeyException($"{where}: key id '{id}' appears more than once");
            }
        }

        return keys.Count > 0 ? new FieldKeyRing(path, keys) : throw new FieldKeyException($"the key file '{path}' holds no key");
    }

    /// <summary>
    /// A problem with the file's permissions, or null: a key file others can read (or write) makes the
    /// encryption moot. Only a warning, because the gateway cannot know who else is in the file's group.
    /// </summary>
    public static string? PermissionProblem(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        var mode = File.GetUnixFileMode(path);
        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        return (mode & others) == 0
            ? null
            : $"the key file '{path}' is accessible to its group or others (mode {Convert.ToString((int)mode, 8)}); make it readable by the service only: chmod 600";
    }

    /// <summary>A new line for a key file: <paramref name="keyId"/> and 32 random bytes in base64.</summary>
    public static string NewKeyLine(string keyId)
    {
        if (!IsValidKeyId(keyId))
        {
            throw new ArgumentException($"key id '{keyId}' is not 1-64 of A-Z a-z 0-9 . _ -", nameof(keyId));
        }

        return $"{keyId} {Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeyBytes))}";
    }

    /// <summary>True for 1-64 of <c>A-Z a-z 0-9 . _ -</c>.</summary>
    public static bool IsValidKeyId(string? keyId) =>
        keyId is { Length: >= 1 and <= 64 } && keyId.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    private static byte[]? ParseKey(string text)
    {
        if (text.Length == KeyBytes * 2 && text.All(char.IsAsciiHexDigit))
        {
            return Convert.FromHexString(text);
        }

        var buffer = new byte[(text.Length * 3 / 4) + 3];
        return Convert.TryFromBase64String(text, buffer, out var written) && written == KeyBytes
            ? buffer[..written]
            : null;
    }
}

/// <summary>A key file or key is invalid; the message names the file and line, never key material.</summary>
public sealed class FieldKeyException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FieldKeyException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public FieldKeyException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public FieldKeyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
