using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text.Json.Serialization;
using EdgeGateway.Decoding;
using EdgeGateway.Operations;
using EdgeGateway.Sources;
using EdgeGateway.Sources.Gpio;
using EdgeGateway.Sources.Serial;
using EdgeGateway.Sources.Serial.Modbus;

namespace EdgeGateway.Hosting;

/// <summary>
/// What the native (ahead-of-time compiled) build must keep. The configuration binder fills the options' lists
/// through reflection on <c>List&lt;T&gt;</c>, which the compiler cannot see, so without these roots a list such as
/// <c>Mqtt:Subscriptions</c> binds empty. Reflection-based JSON (MCP tool parameters and answers) needs native code
/// for its converters of collections of value types (<c>List&lt;long&gt;</c>: dead-letter ids), which only exists
/// where something compiles them: <see cref="NativeAotJsonRoots"/> does. In the JIT build this does nothing.
/// </summary>
internal static class NativeAotRoots
{
    /// <summary>Called once at start so that the roots below are kept.</summary>
    [DynamicDependency(DynamicallyAccessedMemberTypes.All, typeof(List<MqttSourceSubscription>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.All, typeof(List<JsonMetricMapping>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.All, typeof(List<SerialPortOptions>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.All, typeof(List<CsvColumn>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.All, typeof(List<ModbusRegisterOptions>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.All, typeof(List<GpioLineOptions>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.All, typeof(List<McpTokenOptions>))]
    [DynamicDependency(DynamicallyAccessedMemberTypes.All, typeof(List<string>))]
    public static void Keep()
    {
        if (!RuntimeFeature.IsDynamicCodeSupported)
        {
            // Constructing the context compiles its type infos, and with them the converters.
            _ = NativeAotJsonRoots.Default;
        }
    }
}

/// <summary>Collections of value types that the gateway's reflection-based JSON meets (see <see cref="NativeAotRoots"/>).</summary>
[JsonSerializable(typeof(List<long>))]
[JsonSerializable(typeof(IReadOnlyList<long>))]
[JsonSerializable(typeof(IEnumerable<long>))]
[JsonSerializable(typeof(long[]))]
[JsonSerializable(typeof(List<int>))]
[JsonSerializable(typeof(IReadOnlyList<int>))]
[JsonSerializable(typeof(List<uint>))]
[JsonSerializable(typeof(IReadOnlyList<uint>))]
[JsonSerializable(typeof(List<double>))]
[JsonSerializable(typeof(IReadOnlyList<double>))]
[JsonSerializable(typeof(double[]))]
[JsonSerializable(typeof(Dictionary<string, long>))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, long>))]
[JsonSerializable(typeof(Dictionary<string, int>))]
[JsonSerializable(typeof(Dictionary<string, double>))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, double>))]
internal sealed partial class NativeAotJsonRoots : JsonSerializerContext;
