using System.Reflection;

// The simulator's fleets (MQTT, serial, GPIO) arrive with their own issue; until then the program
// only identifies itself, so scripts and tests can already depend on it being built and runnable.
var version = (typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0").Split('+')[0];
switch (args)
{
    case ["--version"]:
        Console.WriteLine(version);
        return 0;
    case [] or ["--help"] or ["-h"]:
        Console.WriteLine($"firmware-sim {version}: simulated smart-city sensors over MQTT, serial and GPIO.");
        Console.WriteLine("Usage: firmware-sim --version | --help");
        Console.WriteLine("The sensor fleets are not built yet (tracked in the simulator issue).");
        return 0;
    default:
        Console.Error.WriteLine($"firmware-sim: unknown arguments '{string.Join(' ', args)}'. Run 'firmware-sim --help'.");
        return 2;
}
