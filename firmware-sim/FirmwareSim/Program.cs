using FirmwareSim.Cli;

return await SimulatorCommandLine.RunAsync(args, Console.Out, Console.Error);
