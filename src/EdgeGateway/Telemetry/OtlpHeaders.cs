namespace EdgeGateway.Telemetry;

/// <summary>Reads <c>Otlp:HeadersFile</c>; its values are secrets and go nowhere but to the exporter.</summary>
internal static class OtlpHeaders
{
    /// <summary>
    /// The headers in <paramref name="path"/> as the exporter takes them (<c>name=value,name=value</c>), or null
    /// when no file is configured. Lines are <c>name=value</c> or comma-separated lists of them; blank lines and
    /// lines starting with <c>#</c> are skipped.
    /// </summary>
    /// <exception cref="InvalidOperationException">The file cannot be read or holds something other than headers (the message names the line, never the value).</exception>
    public static string? Read(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return null;
        }

        string[] lines;
        try
        {
            lines = File.ReadAllLines(Configuration.CredentialFiles.Resolve(path));
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidOperationException($"Otlp:HeadersFile '{path}' does not exist", error);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"Otlp:HeadersFile '{path}' cannot be read: {error.Message}", error);
        }

        var headers = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            foreach (var part in line.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var equals = part.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    throw new InvalidOperationException($"Otlp:HeadersFile '{path}' line {i + 1}: expected name=value");
                }

                headers.Add($"{part[..equals].Trim()}={part[(equals + 1)..].Trim()}");
            }
        }

        return headers.Count == 0 ? null : string.Join(',', headers);
    }
}
