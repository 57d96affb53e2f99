using System.CommandLine;
using EdgeGateway.Kafka.Security;

namespace EdgeGateway.StreamProcessor.Cli;

/// <summary>
/// The command-line options for TLS and SASL to the brokers, shared by every command that talks to
/// Kafka (<c>run</c>, <c>gateway call</c>, <c>verify</c>), read into one <see cref="KafkaClientSecurity"/>.
/// The SASL password comes from <c>--sasl-password-file</c> or <c>STREAM_PROCESSOR_SASL_PASSWORD</c>,
/// never from the command line (which other users of the machine can read).
/// </summary>
internal sealed class KafkaSecurityOptions
{
    /// <summary>The environment variable that may hold the SASL password.</summary>
    public const string PasswordVariable = "STREAM_PROCESSOR_SASL_PASSWORD";

    private readonly Option<string> _protocol = new("--security-protocol")
    {
        Description = "plaintext, ssl, sasl-plaintext or sasl-ssl.",
        DefaultValueFactory = _ => "plaintext",
    };

    private readonly Option<string?> _caFile = new("--ssl-ca-file") { Description = "PEM CA(s) the brokers' certificates must chain to (default: the system store).", HelpName = "FILE" };
    private readonly Option<string?> _certificateFile = new("--ssl-certificate-file") { Description = "PEM client certificate.", HelpName = "FILE" };
    private readonly Option<string?> _keyFile = new("--ssl-key-file") { Description = "PEM private key of the client certificate.", HelpName = "FILE" };
    private readonly Option<string?> _keyPasswordFile = new("--ssl-key-password-file") { Description = "A file holding the password of an encrypted key.", HelpName = "FILE" };
    private readonly Option<string?> _mechanism = new("--sasl-mechanism") { Description = "plain, scram-sha-256 or scram-sha-512." };
    private readonly Option<string?> _username = new("--sasl-username") { Description = "SASL user name." };
    private readonly Option<string?> _passwordFile = new("--sasl-password-file") { Description = $"A file holding the SASL password (or set {PasswordVariable}).", HelpName = "FILE" };

    public KafkaSecurityOptions() =>
        _protocol.AcceptOnlyFromAmong("plaintext", "ssl", "sasl-plaintext", "sasl-ssl");

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _protocol, _caFile, _certificateFile, _keyFile, _keyPasswordFile, _mechanism, _username, _passwordFile })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The security the options describe; problems (each naming its option) are added to <paramref name="problems"/>.</summary>
    public KafkaClientSecurity Read(ParseResult parse, List<string> problems)
    {
        var protocol = parse.GetValue(_protocol) switch
        {
            "ssl" => KafkaTransportSecurity.Ssl,
            "sasl-plaintext" => KafkaTransportSecurity.SaslPlaintext,
            "sasl-ssl" => KafkaTransportSecurity.SaslSsl,
            _ => KafkaTransportSecurity.Plaintext,
        };
        var security = new KafkaClientSecurity
        {
            Protocol = protocol,
            CaFile = parse.GetValue(_caFile),
            CertificateFile = parse.GetValue(_certificateFile),
            KeyFile = parse.GetValue(_keyFile),
            KeyPassword = ReadSecret(parse.GetValue(_keyPasswordFile), _keyPasswordFile.Name, problems),
            SaslMechanism = parse.GetValue(_mechanism)?.ToUpperInvariant(),
            SaslUsername = parse.GetValue(_username),
            SaslPassword = ReadSecret(parse.GetValue(_passwordFile), _passwordFile.Name, problems) ?? Environment.GetEnvironmentVariable(PasswordVariable),
        };
        foreach (var (option, value) in new[] { (_caFile, security.CaFile), (_certificateFile, security.CertificateFile), (_keyFile, security.KeyFile), (_keyPasswordFile, parse.GetValue(_keyPasswordFile)) })
        {
            if (!security.UsesTls && value is not null)
            {
                problems.Add($"{option.Name}: applies only with --security-protocol ssl or sasl-ssl");
            }
        }

        foreach (var (option, value) in new[] { (_mechanism, security.SaslMechanism), (_username, security.SaslUsername), (_passwordFile, parse.GetValue(_passwordFile)) })
        {
            if (!security.UsesSasl && value is not null)
            {
                problems.Add($"{option.Name}: applies only with --security-protocol sasl-plaintext or sasl-ssl");
            }
        }

        foreach (var (setting, problem) in security.Check())
        {
            var option = setting switch
            {
                nameof(KafkaClientSecurity.CaFile) => _caFile.Name,
                nameof(KafkaClientSecurity.CertificateFile) => _certificateFile.Name,
                nameof(KafkaClientSecurity.KeyFile) => _keyFile.Name,
                nameof(KafkaClientSecurity.SaslMechanism) => _mechanism.Name,
                nameof(KafkaClientSecurity.SaslUsername) => _username.Name,
                _ => $"{_passwordFile.Name} (or {PasswordVariable})",
            };
            problems.Add($"{option}: {problem}");
        }

        return security;
    }

    private static string? ReadSecret(string? path, string option, List<string> problems)
    {
        if (path is null)
        {
            return null;
        }

        try
        {
            return File.ReadAllText(path).TrimEnd('\r', '\n');
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            problems.Add($"{option}: '{path}' cannot be read: {error.Message}");
            return null;
        }
    }
}
