using System.CommandLine;
using System.Globalization;
using EdgeGateway.Configuration;
using EdgeGateway.Doctor;

namespace EdgeGateway.Cli;

/// <summary>
/// <c>edge-gateway doctor</c>: checks the configuration and the device around it, prints one line per
/// check with what to fix, and exits 0 when the gateway can run (warnings allowed), 1 when something
/// must be fixed first, 2 when the configuration itself is invalid.
/// </summary>
internal static class DoctorCommand
{
    public static Command Build(TextWriter output, TextWriter error)
    {
        var configOption = new Option<string>("--config", "-c")
        {
            Description = "The configuration file to check the device against.",
            DefaultValueFactory = _ => GatewayConfiguration.DefaultPath,
            HelpName = "FILE",
        };
        var timeoutOption = new Option<double>("--timeout")
        {
            Description = "How long to wait for the MQTT broker and the Kafka brokers to answer, in seconds.",
            DefaultValueFactory = _ => 5,
            HelpName = "SECONDS",
        };
        timeoutOption.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is <= 0 or > 300)
            {
                result.AddError("--timeout must be between 0 and 300 seconds.");
            }
        });

        var doctor = new Command(
            "doctor",
            "Check that this device can run the gateway: configuration, native libraries, state directory and free disk, "
            + "serial devices, MQTT broker and Kafka reachability. Run it as the service user (sudo -u edgegw edge-gateway doctor). "
            + "Exit codes: 0 healthy (warnings allowed), 1 something to fix, 2 invalid configuration.")
        {
            configOption,
            timeoutOption,
        };
        doctor.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(configOption)!, TimeSpan.FromSeconds(parse.GetValue(timeoutOption)), output, error, cancellationToken));
        return doctor;
    }

    private static async Task<int> RunAsync(string path, TimeSpan timeout, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        GatewayConfiguration configuration;
        try
        {
            configuration = GatewayConfiguration.Load(path);
        }
        catch (ConfigurationException problem)
        {
            await GatewayCommandLine.WriteProblemAsync(error, problem);
            return ExitCodes.InvalidConfiguration;
        }

        var findings = await new GatewayDoctor(configuration, timeout).RunAsync(cancellationToken);
        foreach (var finding in findings)
        {
            var label = finding.Severity switch
            {
                DoctorSeverity.Ok => "ok",
                DoctorSeverity.Warning => "warn",
                _ => "FAIL",
            };
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{label,-5} {finding.Check,-11} {finding.Detail}"));
            if (finding.Fix is { } fix)
            {
                await output.WriteLineAsync($"{string.Empty,-17} fix: {fix}");
            }
        }

        var failures = findings.Count(f => f.Severity == DoctorSeverity.Failure);
        var warnings = findings.Count(f => f.Severity == DoctorSeverity.Warning);
        await output.WriteLineAsync(failures == 0
            ? $"healthy ({warnings} warning{(warnings == 1 ? string.Empty : "s")})"
            : $"{failures} problem{(failures == 1 ? string.Empty : "s")} to fix");
        return failures == 0 ? ExitCodes.Success : ExitCodes.Failure;
    }
}
