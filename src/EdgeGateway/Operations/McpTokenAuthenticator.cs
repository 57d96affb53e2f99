using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Operations;

/// <summary>
/// Checks bearer tokens against <c>Mcp:Tokens</c>, where only their SHA-256 is stored. The comparison
/// runs in constant time over every configured hash, so timing does not reveal which one was close.
/// </summary>
public sealed class McpTokenAuthenticator
{
    private readonly (string Name, byte[] Hash, string[] Scopes)[] _tokens;

    /// <summary>Creates the authenticator over the configured tokens.</summary>
    public McpTokenAuthenticator(IOptions<McpOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _tokens = [.. options.Value.Tokens.Select(t => (t.Name, Convert.FromHexString(t.Sha256), t.Scopes.ToArray()))];
    }

    /// <summary>How many tokens are configured.</summary>
    public int Count => _tokens.Length;

    /// <summary>The SHA-256 of a token as lower-case hex, as written in <c>Mcp:Tokens:N:Sha256</c>.</summary>
    public static string Hash(string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
    }

    /// <summary>A new random token (32 bytes, base64url), for operators who need one.</summary>
    public static string NewToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The principal of <paramref name="token"/>, or null when it is not a configured token.</summary>
    public ClaimsPrincipal? Authenticate(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        (string Name, byte[] Hash, string[] Scopes)? match = null;
        foreach (var candidate in _tokens)
        {
            if (CryptographicOperations.FixedTimeEquals(hash, candidate.Hash))
            {
                match = candidate;
            }
        }

        return match is { } found ? McpScopes.Principal(found.Name, found.Scopes) : null;
    }
}
