using System.Text.Json;
using EdgeGateway.Cli;
using EdgeGateway.Status;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Processes;
using EdgeGateway.Testing.Time;
using Xunit;

namespace EdgeGateway.Tests.Status;

/// <summary><c>edge-gateway status</c> against status files written by the test, judged by a fake clock.</summary>
public sealed class StatusCommandTests : IDisposable
{
    private readonly TempDirectory _directory = TempDirectory.Create("status-cli");
    private readonly FakeTimeProvider _time = new();

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public void Dispose() => _directory.Dispose();

    private string WriteSnapshot(string name = "status.json", GatewayRunState state = GatewayRunState.Running) =>
        _directory.WriteFile(name, JsonSerializer.Serialize(new FakeStatistics(_time).Collector().Collect(state), StatusJsonContext.Default.GatewayStatus));

    private async Task<(int ExitCode, string Output, string Error)> RunAsync(string? file = null, string? config = null, bool json = false)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await StatusCommand.RunAsync(file, config, json, output, error, _time, Token);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task A_fresh_snapshot_prints_the_summary_with_exit_code_0()
    {
        var path = WriteSnapshot();
        _time.Advance(TimeSpan.FromSeconds(1));

        var (code, output, error) = await RunAsync(path);

        Assert.Equal(ExitCodes.Success, code);
        Assert.StartsWith("gateway          gw-status (Cabinet 12, Main Street): running, snapshot 1 s old", output, StringComparison.Ordinal);
        Assert.Contains("  ingested       100 readings", output, StringComparison.Ordinal);
        Assert.Empty(error);
    }

    [Fact]
    public async Task Json_prints_the_file_as_the_gateway_wrote_it()
    {
        var path = WriteSnapshot();

        var (code, output, _) = await RunAsync(path, json: true);

        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal(File.ReadAllText(path).Trim(), output.Trim());
        Assert.Equal(100, JsonDocument.Parse(output).RootElement.GetProperty("ingest").GetProperty("readingsIngested").GetInt64());
    }

    [Fact]
    public async Task A_missing_file_says_where_it_looked_and_whether_the_gateway_runs_with_exit_code_1()
    {
        var missing = _directory.File("nowhere/status.json");

        var (code, output, error) = await RunAsync(missing);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Empty(output);
        Assert.Equal($"edge-gateway: no status file at {missing}: is the gateway running? (it writes one every 2 s)", error.Trim());
    }

    [Fact]
    public async Task A_stale_snapshot_is_flagged_with_exit_code_1_and_still_shows_the_last_counters()
    {
        var path = WriteSnapshot();
        _time.Advance(TimeSpan.FromMinutes(5));

        var (code, output, error) = await RunAsync(path);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("NOT RESPONDING, last snapshot 5m 00s old (expected every 2 s)", output, StringComparison.Ordinal);
        Assert.Contains("  ingested       100 readings", output, StringComparison.Ordinal);
        Assert.Contains("stale: written 5m 00s ago, expected every 2 s: the gateway is not running or stuck since 2026-01-01T00:00:00Z", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_snapshot_written_at_shutdown_means_not_running_with_exit_code_1()
    {
        var path = WriteSnapshot(state: GatewayRunState.Stopped);
        _time.Advance(TimeSpan.FromSeconds(1));

        var (code, output, error) = await RunAsync(path);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("stopped at 2026-01-01T00:00:00Z", output, StringComparison.Ordinal);
        Assert.Contains("the gateway is not running: it stopped at 2026-01-01T00:00:00Z", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{ not json")]
    [InlineData("""{ "gatewayId": "gw-1" }""")]
    [InlineData("null")]
    [InlineData("[1, 2]")]
    public async Task A_file_that_is_not_a_snapshot_is_a_clear_error_with_exit_code_1(string content)
    {
        var path = _directory.WriteFile("status.json", content);

        var (code, output, error) = await RunAsync(path);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Empty(output);
        Assert.StartsWith($"edge-gateway: the status file {path} is not a gateway status snapshot: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_configuration_locates_the_file_next_to_the_buffer_or_where_StatusFile_says()
    {
        WriteSnapshot("data/status.json");
        var config = _directory.WriteFile("gateway.json", $$"""
            { "Buffer": { "Path": "{{_directory.File("data/buffer.db")}}" }, "Kafka": { "BootstrapServers": "127.0.0.1:9092" } }
            """);
        var (code, output, _) = await RunAsync(config: config);
        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("gw-status", output, StringComparison.Ordinal);

        var elsewhere = _directory.File("run/gw.json");
        var custom = _directory.WriteFile("custom.json", $$"""
            { "Gateway": { "StatusFile": "{{elsewhere}}", "StatusInterval": "10s" }, "Kafka": { "BootstrapServers": "127.0.0.1:9092" } }
            """);
        var (missingCode, _, error) = await RunAsync(config: custom);
        Assert.Equal(ExitCodes.Failure, missingCode);
        Assert.Contains($"no status file at {elsewhere}: is the gateway running? (it writes one every 10 s)", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_invalid_configuration_exits_2_naming_the_key()
    {
        var config = _directory.WriteFile("bad.json", """{ "Gateway": { "StatusInterval": "1ms" }, "Kafka": { "BootstrapServers": "k:1" } }""");

        var (code, _, error) = await RunAsync(config: config);

        Assert.Equal(ExitCodes.InvalidConfiguration, code);
        Assert.Contains("Gateway:StatusInterval", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_program_reports_a_missing_status_file_with_exit_code_1()
    {
        var missing = _directory.File("absent/status.json");

        var result = await DotNetPrograms.RunGatewayAsync(["status", "--file", missing], cancellationToken: Token);

        Assert.Equal(ExitCodes.Failure, result.ExitCode);
        Assert.Contains($"no status file at {missing}", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_documents_the_options_and_exit_codes()
    {
        var result = await DotNetPrograms.RunGatewayAsync(["status", "--help"], cancellationToken: Token);

        // Help wraps to the terminal's width: compare with the whitespace collapsed.
        var help = string.Join(' ', result.StandardOutput.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(ExitCodes.Success, result.ExitCode);
        Assert.Contains("--config <FILE>", help, StringComparison.Ordinal);
        Assert.Contains("--file <PATH>", help, StringComparison.Ordinal);
        Assert.Contains("--json", help, StringComparison.Ordinal);
        Assert.Contains("Exit codes: 0 running (snapshot fresh); 1 not running:", help, StringComparison.Ordinal);
        Assert.Contains("2 invalid configuration or command line", help, StringComparison.Ordinal);
    }
}
