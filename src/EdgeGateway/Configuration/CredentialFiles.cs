using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeGateway.Configuration;

/// <summary>
/// Files that hold secrets and key material (<c>*File</c> keys: passwords, CA certificates, client
/// certificates and keys). A relative path is resolved against <c>$CREDENTIALS_DIRECTORY</c> when systemd
/// set it (<c>LoadCredential=</c>), so a unit can hand the service its secrets without a readable copy on
/// disk; otherwise against the working directory.
/// </summary>
public static class CredentialFiles
{
    /// <summary>The environment variable systemd sets to the directory of the unit's credentials.</summary>
    public const string CredentialsDirectoryVariable = "CREDENTIALS_DIRECTORY";

    /// <summary>The full path of <paramref name="path"/> (see the class remarks).</summary>
    public static string Resolve(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!Path.IsPathRooted(path) && Environment.GetEnvironmentVariable(CredentialsDirectoryVariable) is { Length: > 0 } credentials)
        {
            return Path.Combine(credentials, path);
        }

        return Path.GetFullPath(path);
    }

    /// <summary>
    /// Reads a secret (a password) from <paramref name="path"/>: the whole file, without the line break at
    /// its end that editors and <c>echo</c> leave.
    /// </summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The service may not read it.</exception>
    public static string ReadSecret(string path) => File.ReadAllText(Resolve(path)).TrimEnd('\r', '\n');

    /// <summary>
    /// A secret set either as a value or as a file (<c>Password</c> / <c>PasswordFile</c>): read from the file when
    /// one is named, otherwise the value; null when neither is set.
    /// </summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static string? ValueOrFile(string? value, string? file) =>
        !string.IsNullOrEmpty(file) ? ReadSecret(file)
        : string.IsNullOrEmpty(value) ? null
        : value;

    /// <summary>A problem with a secret file, or null when it can be read and is not empty.</summary>
    public static string? CheckSecret(string path)
    {
        try
        {
            return ReadSecret(path).Length == 0 ? $"'{Resolve(path)}' is empty" : null;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return Unreadable(path, error);
        }
    }

    /// <summary>A problem with a PEM file of certificates (a CA bundle or a certificate), or null when it holds at least one.</summary>
    public static string? CheckCertificates(string path)
    {
        try
        {
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPemFile(Resolve(path));
            var count = certificates.Count;
            foreach (var certificate in certificates)
            {
                certificate.Dispose();
            }

            return count == 0 ? $"'{Resolve(path)}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)" : null;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return Unreadable(path, error);
        }
        catch (CryptographicException error)
        {
            return $"'{Resolve(path)}' is not a PEM certificate file: {error.Message}";
        }
    }

    /// <summary>
    /// A problem with a PEM certificate and its private key (unencrypted, or encrypted with
    /// <paramref name="keyPassword"/>), or null when they load together.
    /// </summary>
    public static string? CheckCertificateAndKey(string certificatePath, string keyPath, string? keyPassword = null)
    {
        try
        {
            using var certificate = LoadCertificateAndKey(certificatePath, keyPath, keyPassword);
            return null;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return Unreadable(File.Exists(Resolve(certificatePath)) ? keyPath : certificatePath, error);
        }
        catch (Exception error) when (error is CryptographicException or ArgumentException)
        {
            return $"'{Resolve(certificatePath)}' with key '{Resolve(keyPath)}' is not a PEM certificate and matching private key{(keyPassword is null ? string.Empty : " (with that key password)")}: {error.Message}";
        }
    }

    /// <summary>
    /// The problems of a TLS client certificate as a section configures it: a PEM certificate, its key, and the
    /// key's password as a value or a file (not both). Each comes with the section's name for the key at fault.
    /// </summary>
    public static IEnumerable<(string Key, string Problem)> CheckClientCertificate(
        (string Name, string? Path) certificate, (string Name, string? Path) key, (string Name, string? Value) password, (string Name, string? Path) passwordFile)
    {
        if (!string.IsNullOrEmpty(password.Value) && !string.IsNullOrEmpty(passwordFile.Path))
        {
            yield return (passwordFile.Name, $"set {password.Name} or {passwordFile.Name}, not both");
            yield break;
        }

        if (!string.IsNullOrEmpty(passwordFile.Path) && CheckSecret(passwordFile.Path) is { } passwordProblem)
        {
            yield return (passwordFile.Name, passwordProblem);
            yield break;
        }

        var hasPassword = !string.IsNullOrEmpty(password.Value) || !string.IsNullOrEmpty(passwordFile.Path);
        if (string.IsNullOrEmpty(certificate.Path) != string.IsNullOrEmpty(key.Path))
        {
            yield return string.IsNullOrEmpty(certificate.Path)
                ? (certificate.Name, $"a client key needs its {certificate.Name} (PEM)")
                : (key.Name, $"a client certificate needs its {key.Name} (PEM)");
        }
        else if (!string.IsNullOrEmpty(certificate.Path)
                 && CheckCertificateAndKey(certificate.Path, key.Path!, hasPassword ? ValueOrFile(password.Value, passwordFile.Path) : null) is { } certificateProblem)
        {
            yield return (certificate.Name, certificateProblem);
        }
        else if (string.IsNullOrEmpty(key.Path) && hasPassword)
        {
            yield return (string.IsNullOrEmpty(passwordFile.Path) ? password.Name : passwordFile.Name, $"a key password needs {key.Name}");
        }
    }

    /// <summary>Loads a PEM certificate with its private key, usable as a TLS client certificate.</summary>
    /// <exception cref="CryptographicException">The files do not hold a certificate and its matching key.</exception>
    public static X509Certificate2 LoadCertificateAndKey(string certificatePath, string keyPath, string? keyPassword = null) =>
        keyPassword is null
            ? X509Certificate2.CreateFromPemFile(Resolve(certificatePath), Resolve(keyPath))
            : X509Certificate2.CreateFromEncryptedPemFile(Resolve(certificatePath), keyPassword, Resolve(keyPath));

    private static string Unreadable(string path, Exception error) =>
        error is FileNotFoundException or DirectoryNotFoundException
            ? $"'{Resolve(path)}' does not exist"
            : $"'{Resolve(path)}' cannot be read: {error.Message}";
}
