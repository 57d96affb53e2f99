using System.Text.RegularExpressions;
using EdgeGateway.Testing.Files;
using EdgeGateway.Testing.Processes;
using Xunit;

namespace EdgeGateway.Tests.Packaging;

/// <summary>
/// Issue 9: the Debian packages as built by deploy/package.sh — metadata, layout, architectures of the
/// native code, dependencies that exist in bookworm, the systemd unit, and the amd64 package's whole
/// life (install, run, upgrade, remove, purge) in a throw-away root.
/// </summary>
[Collection(PackagingTestGroup.Name)]
public sealed partial class DebianPackageTests(DebianPackages packages) : IDisposable
{
    private readonly TempDirectory _directory = TempDirectory.Create("deb");

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    public static TheoryData<string> Architectures => new(DebianPackages.Architectures);

    public void Dispose() => _directory.Dispose();

    [Theory]
    [MemberData(nameof(Architectures))]
    public async Task Control_names_the_architecture_dependencies_and_recommends_mosquitto(string architecture)
    {
        var fields = await ControlFieldsAsync(architecture);

        Assert.Equal("edge-gateway", fields["Package"]);
        Assert.Equal(architecture, fields["Architecture"]);
        Assert.Matches(@"^\d+\.\d+\.\d+$", fields["Version"]);
        var depends = Dependencies(fields["Depends"]);
        Assert.Contains("librdkafka1", depends);
        Assert.Contains("libgpiod2", depends);
        Assert.Equal(architecture != "amd64", depends.Contains("aspnetcore-runtime-10.0"));
        Assert.Equal("mosquitto", fields["Recommends"]);
        Assert.True(int.Parse(fields["Installed-Size"], System.Globalization.CultureInfo.InvariantCulture) > 1000);
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public async Task Configuration_files_are_conffiles_and_maintainer_scripts_are_included(string architecture)
    {
        var info = await RunAsync("dpkg-deb", ["--info", packages.PathOf(architecture)]);

        foreach (var script in new[] { "postinst", "prerm", "postrm" })
        {
            // dpkg-deb --info marks executable control members with '*'.
            Assert.Matches($@"\*\s+{script}\s+#!/bin/sh", info);
        }

        var extracted = _directory.File($"control-{architecture}");
        await RunAsync("dpkg-deb", ["--control", packages.PathOf(architecture), extracted]);
        Assert.Equal(
            ["/etc/edge-gateway/devices.json", "/etc/edge-gateway/gateway.json", "/etc/edge-gateway/mosquitto.conf"],
            File.ReadAllLines(Path.Combine(extracted, "conffiles")).Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public async Task The_layout_puts_binaries_config_unit_and_state_where_the_unit_expects_them(string architecture)
    {
        var listing = (await RunAsync("dpkg-deb", ["--contents", packages.PathOf(architecture)])).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var paths = listing.Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();

        var names = paths.Select(p => p[5]).ToList();
        foreach (var expected in new[]
        {
            "./usr/bin/edge-gateway", "./usr/lib/edge-gateway/edge-gateway.dll", "./usr/lib/systemd/system/edge-gateway.service",
            "./etc/edge-gateway/gateway.json", "./etc/edge-gateway/devices.json", "./etc/edge-gateway/mosquitto.conf",
            "./var/lib/edge-gateway/", "./usr/share/doc/edge-gateway/README.md",
        })
        {
            Assert.Contains(expected, names);
        }

        Assert.All(paths, p => Assert.Equal("root/root", p[1]));
        Assert.DoesNotContain(names, n => n.Contains("/runtimes/", StringComparison.Ordinal) || n.EndsWith(".xml", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("amd64", "x86-64")]
    [InlineData("arm64", "ARM aarch64")]
    [InlineData("armhf", "ARM, EABI5")]
    public async Task Every_native_library_inside_is_built_for_the_package_architecture(string architecture, string machine)
    {
        var root = _directory.File($"x-{architecture}");
        await RunAsync("dpkg-deb", ["--extract", packages.PathOf(architecture), root]);
        var elfFiles = new List<(string Path, string Description)>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "usr", "lib", "edge-gateway"), "*", SearchOption.AllDirectories))
        {
            var description = await RunAsync("file", ["--brief", file]);
            if (description.StartsWith("ELF", StringComparison.Ordinal))
            {
                elfFiles.Add((file, description));
            }
        }

        Assert.Contains(elfFiles, f => Path.GetFileName(f.Path) == "libe_sqlite3.so");
        Assert.All(elfFiles, f => Assert.True(f.Description.Contains(machine, StringComparison.Ordinal), $"{f.Path}: {f.Description}"));
    }

    [Fact]
    public async Task Every_native_dependency_exists_for_arm64_and_armhf_in_bookworm()
    {
        var dependencies = Dependencies((await ControlFieldsAsync("arm64"))["Depends"])
            .Union(Dependencies((await ControlFieldsAsync("armhf"))["Depends"]))
            .Where(d => d != "aspnetcore-runtime-10.0") // Microsoft's feed, not Debian's (README: Install on an edge device).
            .ToList();
        var state = _directory.File("apt");
        var sources = Path.Combine(state, "sources.list.d");
        Directory.CreateDirectory(sources);
        foreach (var file in Directory.GetFiles("/etc/apt/sources.list.d", "*.sources").Where(f => File.ReadAllText(f).Contains("bookworm", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(sources, Path.GetFileName(file)));
        }

        string[] options =
        [
            "-o", $"Dir::State={state}/state", "-o", $"Dir::Cache={state}/cache", "-o", $"Dir::Etc::SourceParts={sources}",
            "-o", "Dir::Etc::SourceList=/dev/null", "-o", "APT::Architecture=arm64", "-o", "APT::Architectures::=arm64", "-o", "APT::Architectures::=armhf",
            "-o", "Acquire::Languages=none", "-o", "Debug::NoLocking=1",
        ];
        Directory.CreateDirectory($"{state}/state/lists/partial");
        Directory.CreateDirectory($"{state}/cache/archives/partial");
        await RunAsync("apt-get", [.. options, "update", "-qq"], TimeSpan.FromMinutes(5));

        foreach (var architecture in new[] { "arm64", "armhf" })
        {
            foreach (var dependency in dependencies)
            {
                var policy = await RunAsync("apt-cache", [.. options, "policy", $"{dependency}:{architecture}"]);
                Assert.True(CandidateLine().IsMatch(policy), $"{dependency}:{architecture} has no candidate in bookworm:\n{policy}");
            }
        }
    }

    [Fact]
    public async Task The_systemd_unit_verifies_and_is_hardened()
    {
        var root = _directory.File("unit-root");
        await RunAsync("dpkg-deb", ["--extract", packages.PathOf("amd64"), root]);
        var units = Path.Combine(root, "usr", "lib", "systemd", "system");
        var unit = Path.Combine(units, "edge-gateway.service");

        // The targets the unit refers to (sysinit.target...) come from this machine's systemd.
        foreach (var file in Directory.GetFiles("/usr/lib/systemd/system", "*.target"))
        {
            File.Copy(file, Path.Combine(units, Path.GetFileName(file)), overwrite: false);
        }

        var verify = await ExternalProcess.RunAsync("systemd-analyze", ["verify", $"--root={root}", "edge-gateway.service"], cancellationToken: Token);

        Assert.True(verify.ExitCode == 0, $"systemd-analyze verify: {verify.StandardOutput}\n{verify.StandardError}");
        var text = await File.ReadAllTextAsync(unit, Token);
        foreach (var line in new[]
        {
            "Type=notify", "WatchdogSec=30s", "Restart=on-failure", "RestartPreventExitStatus=2", "ProtectSystem=strict",
            "ReadWritePaths=/var/lib/edge-gateway", "NoNewPrivileges=yes", "PrivateTmp=yes", "DevicePolicy=closed", "MemoryMax=256M", "User=edgegw",
        })
        {
            Assert.Contains(line, text.Split('\n'));
        }
    }

    [Fact]
    public async Task The_amd64_package_installs_runs_upgrades_keeping_edits_and_data_removes_and_purges_in_a_throwaway_root()
    {
        var root = _directory.File("root");
        PrepareRoot(root);
        var deb = packages.PathOf("amd64");

        await DpkgAsync(root, "--install", deb);
        var binary = Path.Combine(root, "usr", "bin", "edge-gateway");
        Assert.Matches(@"^\d+\.\d+\.\d+", await RunAsync(binary, ["--version"]));
        Assert.Contains("edgegw:", await File.ReadAllTextAsync(Path.Combine(root, "etc", "passwd"), Token), StringComparison.Ordinal);
        Assert.Matches(@"(?m)^dialout:.*edgegw", await File.ReadAllTextAsync(Path.Combine(root, "etc", "group"), Token));
        Assert.Matches(@"(?m)^gpio:.*edgegw", await File.ReadAllTextAsync(Path.Combine(root, "etc", "group"), Token));
        var config = Path.Combine(root, "etc", "edge-gateway", "gateway.json");

        // The shipped configuration, its paths moved into the throw-away root; no Kafka: a warning only.
        var state = Path.Combine(root, "var", "lib", "edge-gateway");
        var inRoot = new Dictionary<string, string?>
        {
            ["EDGEGW__Buffer__Path"] = Path.Combine(state, "buffer.db"),
            ["EDGEGW__Buffer__MinFreeDisk"] = "1MiB",
            ["EDGEGW__Buffer__MaxSize"] = "1MiB",
            ["EDGEGW__Context__RegistryPath"] = Path.Combine(state, "registry.db"),
            ["EDGEGW__Context__DevicesFile"] = Path.Combine(root, "etc", "edge-gateway", "devices.json"),
            ["EDGEGW__Kafka__BootstrapServers"] = string.Empty,
        };
        var validate = await ExternalProcess.RunAsync(binary, ["config", "validate", config], environment: inRoot, cancellationToken: Token);
        Assert.True(validate.ExitCode == 0, validate.StandardError);
        var doctor = await ExternalProcess.RunAsync(binary, ["doctor", "--config", config, "--timeout", "2"], environment: inRoot, cancellationToken: Token);
        Assert.Matches(@"(?m)^ok\s+sqlite\s", doctor.StandardOutput);
        Assert.Matches(@"(?m)^ok\s+librdkafka\s", doctor.StandardOutput);
        Assert.Matches(@"(?m)^ok\s+buffer\s", doctor.StandardOutput);

        // An operator's edit and buffered data survive an upgrade.
        await File.AppendAllTextAsync(config, "\n// edited by the city\n", Token);
        await File.WriteAllTextAsync(Path.Combine(state, "buffer.db"), "buffered readings", Token);
        await DpkgAsync(root, "--install", deb);
        Assert.EndsWith("// edited by the city\n", await File.ReadAllTextAsync(config, Token), StringComparison.Ordinal);
        Assert.Equal("buffered readings", await File.ReadAllTextAsync(Path.Combine(state, "buffer.db"), Token));

        var removed = await DpkgAsync(root, "--remove", "edge-gateway");
        Assert.False(File.Exists(binary), "remove deletes the binaries");
        Assert.True(File.Exists(config), "remove keeps the configuration");
        Assert.True(File.Exists(Path.Combine(state, "buffer.db")), "remove keeps the buffered readings");
        Assert.Contains("kept", removed, StringComparison.Ordinal);

        var purged = await DpkgAsync(root, "--purge", "edge-gateway");
        Assert.Contains("purging: deleting", purged, StringComparison.Ordinal);
        Assert.False(Directory.Exists(state), "purge deletes the state directory");
        Assert.False(File.Exists(config), "purge deletes the configuration");
    }

    [GeneratedRegex(@"(?m)^\s+Candidate: (?!\(none\))")]
    private static partial Regex CandidateLine();

    private static HashSet<string> Dependencies(string depends) =>
        [.. depends.Split(',').Select(d => d.Split('|')[0].Split('(')[0].Trim())];

    private async Task<Dictionary<string, string>> ControlFieldsAsync(string architecture)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in new[] { "Package", "Version", "Architecture", "Depends", "Recommends", "Installed-Size" })
        {
            fields[name] = (await RunAsync("dpkg-deb", ["--field", packages.PathOf(architecture), name])).Trim();
        }

        return fields;
    }

    /// <summary>The least dpkg needs to install into <paramref name="root"/>, plus the accounts files useradd edits.</summary>
    private static void PrepareRoot(string root)
    {
        foreach (var directory in new[] { "var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers", "etc" })
        {
            Directory.CreateDirectory(Path.Combine(root, directory));
        }

        File.WriteAllText(Path.Combine(root, "var/lib/dpkg/status"), string.Empty);
        File.WriteAllText(Path.Combine(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
        File.WriteAllText(Path.Combine(root, "etc/shadow"), "root:*:19000:0:99999:7:::\n");
        File.WriteAllText(Path.Combine(root, "etc/group"), "root:x:0:\ndialout:x:20:\n");
        File.WriteAllText(Path.Combine(root, "etc/gshadow"), "root:*::\ndialout:*::\n");
    }

    /// <summary>dpkg on the throw-away root: scripts run without chroot (they honour DPKG_ROOT), dependencies are not installed there.</summary>
    private static async Task<string> DpkgAsync(string root, params string[] arguments)
    {
        var result = await ExternalProcess.RunAsync(
            "dpkg", [$"--root={root}", "--force-script-chrootless", "--force-depends", "--force-not-root", .. arguments], cancellationToken: Token);
        Assert.True(result.ExitCode == 0, $"dpkg {string.Join(' ', arguments)} failed ({result.ExitCode}):\n{result.StandardOutput}\n{result.StandardError}");
        return result.StandardOutput + result.StandardError;
    }

    private static async Task<string> RunAsync(string program, string[] arguments, TimeSpan? timeout = null)
    {
        var result = await ExternalProcess.RunAsync(program, arguments, timeout, cancellationToken: Token);
        Assert.True(result.ExitCode == 0, $"{program} {string.Join(' ', arguments)} failed ({result.ExitCode}):\n{result.StandardOutput}\n{result.StandardError}");
        return result.StandardOutput;
    }
}

/// <summary>One package build shared by every packaging test; they run alone, the build is heavy.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PackagingTestGroup : ICollectionFixture<DebianPackages>
{
    public const string Name = "Debian packages";
}
