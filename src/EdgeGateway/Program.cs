using EdgeGateway.Cli;
using EdgeGateway.Hosting;

NativeAotRoots.Keep();

return await GatewayCommandLine.RunAsync(args, Console.Out, Console.Error);
