using System.Runtime.InteropServices;

namespace EdgeGateway.Kafka.Native;

/// <summary>
/// Loads Debian's librdkafka (<c>librdkafka.so.1</c>, package <c>librdkafka1</c>) for Confluent.Kafka,
/// whose own native package (librdkafka.redist) is not available to this project. Call
/// <see cref="EnsureLoaded"/> once before the first Confluent.Kafka client is built.
/// </summary>
/// <remarks>
/// Confluent.Kafka 1.9.3 P/Invokes names such as <c>librdkafka</c> and <c>centos7-librdkafka</c>, none of
/// which the system loader finds; a <see cref="NativeLibrary.SetDllImportResolver"/> on its assembly maps
/// them all to the system library. <c>Library.Load(path)</c> is not used: it calls <c>dlopen</c> through a
/// library named <c>libdl</c>, which only exists on machines with libc6-dev installed.
/// </remarks>
public static class LibRdKafka
{
    /// <summary>The file name (soname) of the system library that is loaded.</summary>
    public const string SystemLibraryName = NativeMethods.Library;

    private static readonly Lock Gate = new();
    private static IntPtr _nativeHandle;
    private static bool _confluentReady;

    /// <summary>The librdkafka version string, e.g. <c>2.0.2</c>.</summary>
    /// <exception cref="DllNotFoundException">librdkafka is not installed.</exception>
    public static string Version
    {
        get
        {
            EnsureNativeLoaded();
            return Marshal.PtrToStringUTF8(NativeMethods.VersionString()) ?? string.Empty;
        }
    }

    /// <summary>
    /// Makes Confluent.Kafka use the system librdkafka. Thread-safe and idempotent: only the first call
    /// does any work.
    /// </summary>
    /// <exception cref="DllNotFoundException">librdkafka is not installed; the message says how to install it.</exception>
    /// <exception cref="InvalidOperationException">Other code already registered a resolver on Confluent.Kafka.</exception>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_confluentReady)
            {
                return;
            }

            var handle = EnsureNativeLoadedLocked();
            var confluent = typeof(Confluent.Kafka.Library).Assembly;
            try
            {
                NativeLibrary.SetDllImportResolver(confluent, (name, _, _) => name.Contains("rdkafka", StringComparison.Ordinal) ? handle : IntPtr.Zero);
            }
            catch (InvalidOperationException error)
            {
                throw new InvalidOperationException(
                    "A DllImport resolver is already registered on Confluent.Kafka; load librdkafka only through LibRdKafka.EnsureLoaded.",
                    error);
            }

            // Binds Confluent's delegates now (through the resolver) rather than on first client use, so a
            // broken library fails here with a clear stack. Returns false when already loaded: fine.
            _ = Confluent.Kafka.Library.Load();
            _confluentReady = true;
        }
    }

    /// <summary>Loads the system library for this assembly's own P/Invokes (no Confluent.Kafka needed).</summary>
    internal static void EnsureNativeLoaded()
    {
        lock (Gate)
        {
            _ = EnsureNativeLoadedLocked();
        }
    }

    /// <summary>Loads <paramref name="libraryName"/> or throws an exception that says how to install it.</summary>
    internal static IntPtr Load(string libraryName)
    {
        if (NativeLibrary.TryLoad(libraryName, out var handle))
        {
            return handle;
        }

        throw new DllNotFoundException(
            $"Kafka's native library {libraryName} could not be loaded. Install Debian's librdkafka1 package: "
            + "sudo apt-get install librdkafka1");
    }

    private static IntPtr EnsureNativeLoadedLocked()
    {
        if (_nativeHandle == IntPtr.Zero)
        {
            _nativeHandle = Load(SystemLibraryName);
        }

        return _nativeHandle;
    }
}
