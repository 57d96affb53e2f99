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
