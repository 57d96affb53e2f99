using System.CommandLine;
using EdgeGateway.Forwarding;

namespace EdgeGateway.Cli;

/// <summary>
/// <c>edge-gateway keys new --id ID [--file FILE]</c>: makes a 256-bit field-encryption key. With
/// <c>--file</c> the line is appended to the key file (created with mode 0600); without it, printed.
/// </summary>
internal static class KeysCommand
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var idOption = new Option<string>("--id")
        {
            Description = "The key id, e.g. k2026-12 (1-64 of A-Z a-z 0-9 . _ -); set it as Encryption:ActiveKeyId to encrypt with it.",
            Required = true,
            HelpName = "ID",
        };
        var fileOption = new Option<string?>("--file", "-f")
        {
            Description = "Append the key to this key file (created readable by its owner only). Without it the line is printed.",
            HelpName = "FILE",
        };
        var create = new Command(
            "new",
            "Make a random 256-bit key for field-level encryption, as a key-file line 'ID KEY'. Rotation: add a new key, switch Encryption:ActiveKeyId, "
            + "restart; keep the old key where batches encrypted with it are still decrypted.")
        {
            idOption,
            fileOption,
        };
        create.SetAction(parse => NewAsync(parse.GetValue(idOption)!, parse.GetValue(fileOption), output, error));
        return new Command("keys", "Field-encryption keys (section Encryption).") { create };
    }

    private static async Task<int> NewAsync(string keyId, string? file, TextWriter output, TextWriter error)
    {
        if (!FieldKeyRing.IsValidKeyId(keyId))
        {
            await error.WriteLineAsync($"edge-gateway: --id: '{keyId}' is not 1-64 of A-Z a-z 0-9 . _ -");
            return ExitCodes.InvalidConfiguration;
        }

        var line = FieldKeyRing.NewKeyLine(keyId);
        if (file is null)
        {
            await output.WriteLineAsync(line);
            return ExitCodes.Success;
        }

        try
        {
            if (File.Exists(file))
            {
                if (FieldKeyRing.Load(file).Contains(keyId))
                {
                    await error.WriteLineAsync($"edge-gateway: {file} already holds key '{keyId}'; pick another id (old keys stay for decryption)");
                    return ExitCodes.InvalidConfiguration;
                }
            }
            else
            {
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                await using var created = new FileStream(file, options);
                await created.WriteAsync("# edge-gateway field-encryption keys: 'KEY-ID KEY' per line (256-bit, base64). Keep this file readable by the service only.\n"u8.ToArray());
            }

            await File.AppendAllTextAsync(file, line + "\n");
        }
        catch (Exception problem) when (problem is IOException or UnauthorizedAccessException or FieldKeyException)
        {
            await error.WriteLineAsync($"edge-gateway: {problem.Message}");
            return ExitCodes.Failure;
        }

        await output.WriteLineAsync($"added key '{keyId}' to {file}; to encrypt with it set Encryption:ActiveKeyId to \"{keyId}\"");
        if (FieldKeyRing.PermissionProblem(file) is { } warning)
        {
            await error.WriteLineAsync($"edge-gateway: warning: {warning}");
        }

        return ExitCodes.Success;
    }
}
