using System.CommandLine;
using EdgeGateway.Configuration;
using EdgeGateway.Operations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeGateway.Cli;

/// <summary><c>edge-gateway mcp [--config FILE]</c> (the MCP server over stdio) and <c>edge-gateway mcp hash-token</c>.</summary>
public static class McpCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Build(TextWriter output, TextWriter error)
    {
        var configOption = new Option<string>("--config", "-c")
        {
            Description = "The gateway's configuration file (the same one the service runs with).",
            DefaultValueFactory = _ => GatewayConfiguration.DefaultPath,
            HelpName = "FILE",
        };

        var tokenArgument = new Argument<string?>("TOKEN")
        {
            Description = "The token to hash; read from standard input when left out (keeps it out of the shell history).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var generateOption = new Option<bool>("--generate") { Description = "Make a new random token and print it with its hash." };
        var hashToken = new Command("hash-token", "Print the SHA-256 of a bearer token, as Mcp:Tokens:N:Sha256 wants it.") { tokenArgument, generateOption };
        hashToken.SetAction(parse => HashTokenAsync(parse.GetValue(tokenArgument), parse.GetValue(generateOption), output, error));

        var mcp = new Command(
            "mcp",
            "Serve MCP over stdio (for 'ssh gateway edge-gateway mcp' from an MCP client). Opens the device registry beside the running "
            + "service; reads the service's status file; buffer, dead-letter and forwarding tools need the service's HTTP endpoint.")
        {
            configOption,
            hashToken,
        };
        mcp.SetAction((parse, cancellationToken) => ServeStdioAsync(parse.GetValue(configOption)!, error, cancellationToken));
        return mcp;
    }

    private static async Task<int> ServeStdioAsync(string path, TextWriter error, CancellationToken cancellationToken)
    {
        GatewayConfiguration configuration;
        try
        {
            configuration = ConfigurationVersionStore.LoadEffective(path, out var warning);
            if (warning is not null)
            {
                await error.WriteLineAsync($"edge-gateway: warning: {warning}");
            }
        }
        catch (ConfigurationException problem)
        {
            await GatewayCommandLine.WriteProblemAsync(error, problem);
            return ExitCodes.InvalidConfiguration;
        }

        using var host = McpStdioHost.Build(configuration);
        try
        {
            await host.RunAsync(cancellationToken);
        }
        catch (OptionsValidationException problem)
        {
            await error.WriteLineAsync($"edge-gateway: the configuration is invalid:{string.Concat(problem.Failures.Select(f => $"{Environment.NewLine}  {f}"))}");
            return ExitCodes.InvalidConfiguration;
        }

        return ExitCodes.Success;
    }

    private static async Task<int> HashTokenAsync(string? token, bool generate, TextWriter output, TextWriter error)
    {
        if (generate)
        {
            var fresh = McpTokenAuthenticator.NewToken();
            await output.WriteLineAsync($"token   {fresh}");
            await output.WriteLineAsync($"sha256  {McpTokenAuthenticator.Hash(fresh)}");
            return ExitCodes.Success;
        }

        token ??= (await Console.In.ReadLineAsync())?.Trim();
        if (string.IsNullOrEmpty(token))
        {
            await error.WriteLineAsync("edge-gateway: no token given (pass it as an argument, on standard input, or use --generate)");
            return ExitCodes.InvalidConfiguration;
        }

        await output.WriteLineAsync(McpTokenAuthenticator.Hash(token));
        return ExitCodes.Success;
    }
}
