// CI step: the library as its users consume it (README, "Using Hybrid from your own project").
//
// Packs Hybrid.Kernel, Hybrid.Charts, Hybrid.Games.Core, Hybrid.Scaling and Hybrid.Shaping into a local feed under a version of this run's own
// (0.1.0-check.<time>), so that packages an earlier run left in the NuGet cache are never used, then
//   1. builds a console project outside the repository with PackageReferences to them, whose Program.cs is made of
//      README.md's ```csharp blocks (using directives hoisted, each block in its own scope), and runs it: its own
//      output copy of libLibTorchSharp.so was patched by Hybrid.Kernel's buildTransitive targets;
//   2. builds the same program with ProjectReferences to src/ instead and runs it: nothing patches that output
//      copy, so the runtime fallback (TorchNative) loads a patched copy from the cache;
//   3. runs an F# script with #r "nuget: Hybrid.Games.Core" from the feed in dotnet fsi: the runtime fallback patches
//      the NuGet cache's library into the cache, not the repository's output copy.
// Where the system libstdc++ has GLIBCXX_3.4.32 (or on other systems) the same runs must pass with the fix doing
// nothing. Exits 1 at the first failed check, keeping its files; HYBRID_CHECK_KEEP=1 keeps them after a pass too.
// Run from anywhere with `dotnet fsi .ci/package-check.fsx`.
open System
open System.Diagnostics
open System.IO
open System.IO.Compression
open System.Text.RegularExpressions
open System.Xml.Linq

let root = Path.GetFullPath(Path.Combine(__SOURCE_DIRECTORY__, ".."))
let work = Directory.CreateTempSubdirectory("hybrid-package-check-").FullName
let mutable checks = 0

let check condition (what: string) =
    if condition then checks <- checks + 1
    else
        eprintfn "package check: FAILED: %s\npackage check: its files are kept in %s" what work
        exit 1

let clock = Stopwatch.StartNew()
let step (name: string) = printfn "package check: %s (%.0f s)" name clock.Elapsed.TotalSeconds

/// Runs a program to its end (10 minutes at most) and returns its exit code, standard output and standard error.
let run (dir: string) (environment: (string * string) list) (file: string) (args: string) =
    let start = ProcessStartInfo(file, args, WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true)
    for name, value in environment do start.Environment[name] <- value
    use p = Process.Start start
    let out = p.StandardOutput.ReadToEndAsync()
    let err = p.StandardError.ReadToEndAsync()
    if not (p.WaitForExit(TimeSpan.FromMinutes 10.0)) then
        p.Kill true
        check false $"{file} {args} in {dir} ran for more than 10 minutes"
    p.ExitCode, out.Result, err.Result

let succeed dir environment file args =
    let code, out, err = run dir environment file args
    check (code = 0) $"{file} {args} in {dir} exited with {code}:\n{out}\n{err}"
    out

// Decided apart from the code under test: the libstdc++.so.6 the dynamic loader lists, read for the version string.
let systemLacksVersion =
    OperatingSystem.IsLinux()
    && (let ldconfig = if File.Exists "/sbin/ldconfig" then "/sbin/ldconfig" else "ldconfig"
        let listing = succeed root [] ldconfig "-p"
        let m = Regex.Match(listing, @"libstdc\+\+\.so\.6 \(.*\) => (\S+)")
        check m.Success "ldconfig -p lists no libstdc++.so.6"
        not (Text.Encoding.Latin1.GetString(File.ReadAllBytes m.Groups[1].Value).Contains "GLIBCXX_3.4.32\000"))

let version =
    let prefix = XDocument.Load(Path.Combine(root, "Directory.Build.props")).Descendants(XName.Get "VersionPrefix") |> Seq.head
    $"{prefix.Value}-check.{DateTime.UtcNow:yyyyMMddHHmmss}"
let feed = Path.Combine(work, "feed")
let nugetPackages =
    match Environment.GetEnvironmentVariable "NUGET_PACKAGES" with
    | null | "" -> Path.Combine(Environment.GetFolderPath Environment.SpecialFolder.UserProfile, ".nuget", "packages")
    | folder -> folder
let ids = [ "Hybrid.Kernel"; "Hybrid.Charts"; "Hybrid.Games.Core"; "Hybrid.Scaling"; "Hybrid.Shaping" ]

let cleanUp () =
    if Environment.GetEnvironmentVariable "HYBRID_CHECK_KEEP" = "1" then printfn "package check: kept %s" work
    else Directory.Delete(work, true)
    // The run's own version is never asked for again: leave the NuGet cache as it was.
    for id in ids do
        let package = Path.Combine(nugetPackages, id.ToLowerInvariant())
        let dir = Path.Combine(package, version)
        if Directory.Exists dir then Directory.Delete(dir, true)
        if Directory.Exists package && Seq.isEmpty (Directory.EnumerateFileSystemEntries package) then Directory.Delete package

let nativeFolder = Path.Combine("bin", "Release", "net10.0", "runtimes", "linux-x64", "native")

try
    printfn "package check: version %s, system libstdc++ %s GLIBCXX_3.4.32" version (if systemLacksVersion then "lacks" else "has (or not Linux)")

    // --- pack -------------------------------------------------------------------------------------------------
    succeed root [] "dotnet" $"pack Hybrid.sln -c Release -nr:false -p:PackageVersion={version} -p:PackageOutputPath={feed}/" |> ignore
    step "packed"
    let open' id = ZipFile.OpenRead(Path.Combine(feed, $"{id}.{version}.nupkg"))
    let read (zip: ZipArchive) (name: string) =
        use s = zip.GetEntry(name).Open()
        use r = new StreamReader(s)
        r.ReadToEnd()
    for id in ids do
        use zip = open' id
        let names = zip.Entries |> Seq.map (fun e -> e.FullName) |> Set.ofSeq
        for file in [ "README.md"; "LICENSE"; $"lib/net10.0/{id}.dll"; $"lib/net10.0/{id}.xml" ] do
            check (names.Contains file) $"{id} has no {file}"
        let nuspec = XDocument.Parse(read zip $"{id}.nuspec")
        let element name = nuspec.Descendants() |> Seq.filter (fun e -> e.Name.LocalName = name)
        check (element "license" |> Seq.exists (fun e -> e.Value = "LICENSE")) $"{id}'s nuspec names no license file"
        check (element "readme" |> Seq.exists (fun e -> e.Value = "README.md")) $"{id}'s nuspec names no readme"
        check (element "description" |> Seq.exists (fun e -> e.Value.Length > 40)) $"{id}'s nuspec has no description"
        let dependsOnKernel =
            element "dependency" |> Seq.exists (fun e -> e.Attribute(XName.Get "id").Value = "Hybrid.Kernel" && e.Attribute(XName.Get "version").Value = version)
        check (dependsOnKernel = (id <> "Hybrid.Kernel")) $"{id}'s dependency on Hybrid.Kernel {version} is wrong"
        if id = "Hybrid.Kernel" then
            // One source of truth: the package ships the repository's own task source and targets, byte for byte.
            for packed, source in [ "buildTransitive/Hybrid.Kernel.targets", "build/LibStdCxxCompat.targets"
                                    "buildTransitive/LibStdCxxCompat.cs", "build/LibStdCxxCompat.cs" ] do
                check (names.Contains packed && read zip packed = File.ReadAllText(Path.Combine(root, source))) $"{id}'s {packed} is not {source}"
    let packed = Directory.GetFiles(feed, "*.nupkg") |> Array.map Path.GetFileName |> Set.ofArray
    check (packed = Set [ for id in ids -> $"{id}.{version}.nupkg" ]) $"the feed holds %A{packed}, not exactly the four libraries (the CLI and the tests are not packable)"

    // --- the README's C# blocks as one program ------------------------------------------------------------------
    let readme = File.ReadAllText(Path.Combine(root, "README.md"))
    let blocks =
        [ for m in Regex.Matches(readme, @"^```csharp[ \t]*\r?\n(.*?)^```", RegexOptions.Singleline ||| RegexOptions.Multiline) ->
            m.Groups[1].Value.Replace("\r", "").TrimEnd('\n').Split('\n') ]
    check (not blocks.IsEmpty) "README.md has no ```csharp block"
    // using directives (not using declarations such as `using var x = ...`) go to the top of the file.
    let directive = Regex @"^\s*using\s+(static\s+)?[A-Za-z_][\w.]*(\s*=\s*[A-Za-z_][\w.<>, ]*)?\s*;\s*(//.*)?$"
    let marker i what = $"[hybrid-check] block {i + 1} {what}"
    let program =
        [ yield! blocks |> Seq.concat |> Seq.filter directive.IsMatch |> Seq.map (fun l -> l.Trim()) |> Seq.distinct
          for i, block in List.indexed blocks do
              yield $"""System.Console.WriteLine("{marker i "begins"}");"""
              yield "{"
              yield! block |> Seq.filter (directive.IsMatch >> not)
              yield "}"
              yield $"""System.Console.WriteLine("{marker i "ends"}");"""
          yield "System.Console.WriteLine($\"[hybrid-check] loaded={Hybrid.Kernel.TorchNative.LoadedPath}\");" ]
    let writeConsumer name (references: string) =
        let dir = Path.Combine(work, name)
        Directory.CreateDirectory dir |> ignore
        File.WriteAllLines(Path.Combine(dir, "Program.cs"), program)
        File.WriteAllLines(Path.Combine(dir, "Consumer.csproj"),
            [ """<Project Sdk="Microsoft.NET.Sdk">"""
              "  <PropertyGroup>"
              "    <OutputType>Exe</OutputType>"
              "    <TargetFramework>net10.0</TargetFramework>"
              "    <ImplicitUsings>enable</ImplicitUsings>"
              "    <Nullable>enable</Nullable>"
              "  </PropertyGroup>"
              "  <ItemGroup>"
              references
              "  </ItemGroup>"
              "</Project>" ])
        // The local feed in addition to the sources this machine already uses (for TorchSharp and the rest).
        File.WriteAllLines(Path.Combine(dir, "nuget.config"),
            [ """<?xml version="1.0" encoding="utf-8"?>"""
              "<configuration>"
              "  <packageSources>"
              $"""    <add key="hybrid-check" value="{feed}" />"""
              "  </packageSources>"
              "</configuration>" ])
        dir

    /// Builds and runs a consumer; checks every block ran and every block that prints printed; returns what it loaded.
    let buildAndRun name references cacheHome =
        let dir = writeConsumer name references
        let environment = [ ("XDG_CACHE_HOME", cacheHome) ]
        succeed dir environment "dotnet" "build -c Release -nr:false" |> ignore
        step $"{name}: built"
        let out = succeed dir environment "dotnet" (Path.Combine("bin", "Release", "net10.0", "Consumer.dll"))
        step $"{name}: ran the README's {blocks.Length} C# blocks"
        let lines = out.Replace("\r", "").Split('\n') |> List.ofArray
        for i, block in List.indexed blocks do
            check (List.contains (marker i "ends") lines) $"{name}: block {i + 1} did not finish:\n{out}"
            let printed = lines |> List.skipWhile ((<>) (marker i "begins")) |> List.skip 1 |> List.takeWhile ((<>) (marker i "ends"))
            if block |> Array.exists (fun l -> l.Contains "Console.Write") then
                check (not printed.IsEmpty) $"{name}: block {i + 1} printed nothing"
        let loaded = lines |> List.pick (fun l -> if l.StartsWith "[hybrid-check] loaded=" then Some(l.Substring 22) else None)
        dir, loaded

    // 1. Packages: the buildTransitive targets patched the consumer's output copy, which is what gets loaded.
    let packageCache = Path.Combine(work, "cache-packages")
    let refs = ids |> List.tail |> List.map (fun id -> $"""    <PackageReference Include="{id}" Version="{version}" />""") |> String.concat "\n"
    let dir, loaded = buildAndRun "consumer-packages" refs packageCache
    if systemLacksVersion then
        check (loaded = Path.Combine(dir, nativeFolder, "libLibTorchSharp.so")) $"consumer-packages loaded '{loaded}', not its patched output copy"
        check (not (Directory.Exists packageCache)) "consumer-packages needed the runtime fallback: its build did not patch the output"
    else check (loaded = "") $"consumer-packages: TorchNative acted ('{loaded}') on a system that needs no fix"

    // 2. ProjectReferences to the source tree: the consumer's own output copy is unpatched; the runtime fallback acts.
    let sourceCache = Path.Combine(work, "cache-source")
    let refs = [ "Games.Core"; "Scaling"; "Shaping" ] |> List.map (fun p -> $"""    <ProjectReference Include="{Path.Combine(root, "src", p, p + ".csproj")}" />""") |> String.concat "\n"
    let _, loaded = buildAndRun "consumer-source" refs sourceCache
    if systemLacksVersion then
        check (loaded.StartsWith(Path.Combine(sourceCache, "hybrid", "torchsharp-native") + "/")) $"consumer-source loaded '{loaded}', not a patched copy in its cache"
    else check (loaded = "") $"consumer-source: TorchNative acted ('{loaded}') on a system that needs no fix"

    // 3. dotnet fsi with the packages from the feed: TorchSharp.dll comes from the NuGet cache, no build ran.
    let scriptCache = Path.Combine(work, "cache-script")
    let script = Path.Combine(work, "tandem.fsx")
    File.WriteAllLines(script,
        [ $"#i \"nuget: {feed}\""
          $"#r \"nuget: Hybrid.Games.Core, {version}\""
          "let game = Hybrid.Games.Catalog.Tandem()"
          "let x = TorchSharp.torch.tensor([| 0.25 |], dtype = TorchSharp.torch.ScalarType.Float64).reshape(1L, 1L)"
          "printfn \"loss=%.4f\" ((game.Loss(0, [| x; x |])).item<float>())"
          "printfn \"loaded=%s\" Hybrid.Kernel.TorchNative.LoadedPath"
          "printfn \"torchsharp=%s\" (typeof<TorchSharp.torch>.Assembly.Location)" ])
    let out = succeed work [ ("XDG_CACHE_HOME", scriptCache) ] "dotnet" $"fsi --quiet --exec \"{script}\""
    step "dotnet fsi: ran a script on the packages"
    // (0.25 + 0.25)^2 - 2 * 0.25
    check (out.Contains "loss=-0.2500") $"the script computed no Tandem loss:\n{out}"
    check (out.Contains $"torchsharp={nugetPackages}") $"the script's TorchSharp.dll is not the NuGet cache's:\n{out}"
    if systemLacksVersion then
        let copies = Path.Combine(scriptCache, "hybrid", "torchsharp-native")
        check (out.Contains $"loaded={copies}/") $"the script loaded no patched copy from its cache:\n{out}"
        check (not (out.Contains $"loaded={root}")) "the script loaded the repository's output copy"
    else check (out.Contains "loaded=\n") $"the script: TorchNative acted on a system that needs no fix:\n{out}"
finally
    cleanUp ()

printfn "package check: %d passed, 0 failed (%.0f s)" checks clock.Elapsed.TotalSeconds
