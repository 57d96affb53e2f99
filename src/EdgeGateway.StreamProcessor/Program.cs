using EdgeGateway.StreamProcessor.Cli;

return await ProcessorCommandLine.RunAsync(args, Console.Out, Console.Error);
