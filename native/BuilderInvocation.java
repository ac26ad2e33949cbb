import java.io.IOException;
import java.io.InputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

/**
 * Writes the java @argfile that starts GraalVM's image builder on arcfleet, as the {@code native-image} driver would.
 *
 * <p>Maven Central has the builder ({@code org.graalvm.nativeimage:svm} and its dependencies) but not the driver
 * ({@code svm-driver}), so this stands in for the driver's part of a build: it reads Quarkus's native sources
 * ({@code native-image.args} and the runner jar), the runner jar's manifest and every class-path jar's
 * {@code META-INF/native-image} files, and turns them into builder options. It also writes the C headers whose
 * struct layouts the builder queries with the C compiler. It runs on the builder's JDK:
 *
 * <pre>java native/BuilderInvocation.java KEY=VALUE... -- BUILDER-OPTION...</pre>
 *
 * with the keys sources, builder-jars, svm-sources, clibraries, output and heap; the builder options after
 * {@code --} come last (see native-image-check.sh).
 */
public final class BuilderInvocation {

    private static final String BUILDER_MODULE = "org.graalvm.nativeimage.builder";
    private static final String ALL_UNNAMED = "ALL-UNNAMED";

    public static void main(String[] args) throws IOException {
        int separator = Arrays.asList(args).indexOf("--");
        if (separator < 0) {
            throw new IllegalArgumentException("usage: BuilderInvocation KEY=VALUE... -- BUILDER-OPTION...");
        }
        Map<String, String> options = Arrays.stream(args, 0, separator)
                .map(a -> a.split("=", 2))
                .collect(Collectors.toMap(kv -> kv[0], kv -> kv.length == 2 ? kv[1] : ""));
        Path sources = Path.of(option(options, "sources"));
        Path builderJars = Path.of(option(options, "builder-jars"));
        Path clibraries = Path.of(option(options, "clibraries"));
        Path output = Path.of(option(options, "output"));

        NativeSources app = NativeSources.read(sources);
        int headers = CHeaders.write(Path.of(option(options, "svm-sources")), clibraries.resolve("include"));

        List<String> command = new ArrayList<>();
        command.addAll(builderJvm(builderJars, option(options, "heap")));
        command.addAll(app.javaArgs());
        command.addAll(List.of("--module", BUILDER_MODULE + "/com.oracle.svm.hosted.NativeImageGeneratorRunner"));
        command.addAll(List.of("-imagecp", app.classpath().stream().map(Path::toString).collect(Collectors.joining(":"))));
        command.add("-H:CLibraryPath=" + clibraries);
        command.add("-H:Path=" + output);
        command.add("-H:Name=" + app.imageName());
        command.add("-H:Class=" + app.mainClass());
        command.addAll(app.builderArgs());
        command.addAll(Arrays.asList(args).subList(separator + 1, args.length));
        command.add("-H:ImageBuildID=" + UUID.randomUUID());

        Files.createDirectories(output);
        Path argFile = output.resolve("builder.argfile");
        Files.write(argFile, command.stream().map(BuilderInvocation::quote).toList());
        System.out.printf("builder: %s; %d class-path entries, %d metadata files, %d C headers%n",
                argFile, app.classpath().size(), app.metadataFiles(), headers);
    }

    private static String option(Map<String, String> options, String key) {
        String value = options.get(key);
        if (value == null) {
            throw new IllegalArgumentException("missing " + key + "=...");
        }
        return value;
    }

    /** The java launcher's @argfile syntax: one argument a line, quoted when it has a space. */
    private static String quote(String arg) {
        if (arg.chars().noneMatch(c -> c == ' ' || c == '"' || c == '\\' || c == '\'' || c == '#')) {
            return arg;
        }
        return '"' + arg.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /**
     * The JVM options the driver gives the builder: GraalVM's build flags (mx_substratevm.py's
     * graal_compiler_flags_base), the exports the builder modules need, and the driver's own system properties.
     * The builder modules replace the JDK's empty jdk.graal.compiler module.
     */
    private static List<String> builderJvm(Path builderJars, String heap) throws IOException {
        List<Path> jars;
        try (Stream<Path> listing = Files.list(builderJars)) {
            jars = listing.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        }
        Path compiler = jars.stream().filter(p -> p.getFileName().toString().startsWith("compiler-")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no GraalVM compiler jar in " + builderJars));
        List<Path> modulePath = jars.stream().filter(p -> !p.equals(compiler)).toList();
        String version = graalVersion(compiler);
        Set<String> builderModules = ModuleFinder.of(jars.toArray(Path[]::new)).findAll().stream()
                .map(m -> m.descriptor().name()).collect(Collectors.toCollection(TreeSet::new));

        List<String> jvm = new ArrayList<>(List.of(
                "-XX:+UseParallelGC", "-XX:+UnlockExperimentalVMOptions", "-XX:+EnableJVMCI",
                "-Dtruffle.TrustAllTruffleRuntimeProviders=true",
                "-Dtruffle.TruffleRuntime=com.oracle.truffle.api.impl.DefaultTruffleRuntime",
                "-Dgraalvm.ForcePolyglotInvalid=true", "-Dgraalvm.locatorDisabled=true", "-Dsubstratevm.HostLibC=glibc"));
        jvm.addAll(ModuleExports.needed(jars, builderModules));
        jvm.addAll(List.of(
                "-Xss10m", "-Xmx" + heap, "-XX:+ExitOnOutOfMemoryError", "-Djava.awt.headless=true",
                "-Dorg.graalvm.vendor=GraalVM Community", "-Dorg.graalvm.vendorurl=https://www.graalvm.org/",
                "-Dorg.graalvm.vendorversion=GraalVM CE " + version + " (Maven Central builder)",
                "-Dorg.graalvm.version=" + version,
                "-Dcom.oracle.graalvm.isaot=true",
                "-Djava.system.class.loader=com.oracle.svm.hosted.NativeImageSystemClassLoader",
                "-Dorg.graalvm.nativeimage.imagecode=buildtime",
                "-Xshare:off",
                "-Djdk.internal.lambda.disableEagerInitialization=true",
                "-Djdk.internal.lambda.eagerlyInitialize=false",
                "-Djava.lang.invoke.InnerClassLambdaMetafactory.initializeLambdas=false",
                "-Djava.lang.invoke.MethodHandle.DONT_INLINE_THRESHOLD=-1",
                "-Djava.lang.invoke.MethodHandle.PROFILE_GWT=false",
                "--add-modules=ALL-DEFAULT",
                "--enable-native-access=" + String.join(",", builderModules),
                "--upgrade-module-path", compiler.toString(),
                "--module-path", modulePath.stream().map(Path::toString).collect(Collectors.joining(":"))));
        return jvm;
    }

    private static String graalVersion(Path compilerJar) throws IOException {
        try (JarFile jar = new JarFile(compilerJar.toFile())) {
            return jar.getManifest().getMainAttributes().getValue("Implementation-Version");
        }
    }

    /**
     * What Quarkus's native sources ask of the driver: its options from native-image.args, the runner jar's
     * manifest (main class, class path, Add-Opens, Add-Exports, Enable-Native-Access), and the
     * META-INF/native-image files of every class-path jar but those --exclude-config names.
     */
    record NativeSources(String imageName, String mainClass, List<Path> classpath, List<String> javaArgs,
                         List<String> builderArgs, int metadataFiles) {

        private static final Map<String, String> CONFIG_FILES = Map.of(
                "reflect-config.json", "ReflectionConfigurationResources",
                "jni-config.json", "JNIConfigurationResources",
                "resource-config.json", "ResourceConfigurationResources",
                "proxy-config.json", "DynamicProxyConfigurationResources",
                "serialization-config.json", "SerializationConfigurationResources",
                "predefined-classes-config.json", "PredefinedClassesConfigurationResources",
                "reachability-metadata.json", "ReachabilityMetadataResources");

        static NativeSources read(Path dir) throws IOException {
            List<String> tokens = List.of(Files.readString(dir.resolve("native-image.args")).trim().split("\\s+"));
            List<String> javaArgs = new ArrayList<>();
            List<String> builderArgs = new ArrayList<>();
            List<Pattern[]> excludes = new ArrayList<>();
            String imageName = null;
            Path jar = null;
            for (int i = 0; i < tokens.size(); i++) {
                String token = tokens.get(i);
                if (token.contains("\"") || token.contains("'")) {
                    throw new IllegalStateException("quoted argument in native-image.args: " + token);
                } else if (token.startsWith("-J")) {
                    javaArgs.add(token.substring(2));
                } else if (token.startsWith("-H:")) {
                    builderArgs.add(token);
                } else if (token.equals("--exclude-config")) {
                    excludes.add(new Pattern[] {Pattern.compile(tokens.get(++i)), Pattern.compile(tokens.get(++i))});
                } else if (token.equals("-jar")) {
                    jar = dir.resolve(tokens.get(++i));
                } else if (token.startsWith("-")) {
                    builderArgs.addAll(ApiOptions.translate(token));
                } else {
                    imageName = token;
                }
            }
            if (jar == null || imageName == null) {
                throw new IllegalStateException("native-image.args names no -jar or no image name");
            }

            Attributes manifest;
            try (JarFile runner = new JarFile(jar.toFile())) {
                manifest = runner.getManifest().getMainAttributes();
            }
            List<Path> classpath = new ArrayList<>(List.of(jar));
            for (String entry : manifest.getValue("Class-Path").trim().split(" +")) {
                Path path = jar.getParent().resolve(entry).normalize();
                if (!Files.isRegularFile(path)) {
                    throw new IllegalStateException("Class-Path entry missing: " + path);
                }
                classpath.add(path);
            }
            // The driver turns Add-Opens and Add-Exports into builder options for the image's unnamed module.
            for (String[] attribute : new String[][] {{"Add-Opens", "AddOpens"}, {"Add-Exports", "AddExports"}}) {
                String value = manifest.getValue(attribute[0]);
                if (value != null) {
                    for (String pkg : value.trim().split(" +")) {
                        builderArgs.add("-H:" + attribute[1] + "=" + pkg + "=" + ALL_UNNAMED);
                    }
                }
            }
            String nativeAccess = manifest.getValue("Enable-Native-Access");
            if (nativeAccess != null) {
                javaArgs.add("--enable-native-access=" + nativeAccess.trim());
            }

            int metadataFiles = 0;
            for (Path entry : classpath) {
                try (ZipFile zip = new ZipFile(entry.toFile())) {
                    for (var file : zip.stream().filter(e -> e.getName().startsWith("META-INF/native-image/") && !e.isDirectory()).toList()) {
                        String resource = file.getName();
                        String fileName = resource.substring(resource.lastIndexOf('/') + 1);
                        boolean excluded = excludes.stream().anyMatch(p -> p[0].matcher(entry.toString()).find()
                                && p[1].matcher("/" + resource).find());
                        if (excluded) {
                            continue;
                        }
                        if (fileName.equals("native-image.properties")) {
                            Properties properties = new Properties();
                            try (InputStream in = zip.getInputStream(file)) {
                                properties.load(in);
                            }
                            for (String arg : words(properties.getProperty("Args"))) {
                                builderArgs.addAll(arg.startsWith("-H:") ? List.of(arg) : ApiOptions.translate(arg));
                            }
                            javaArgs.addAll(words(properties.getProperty("JavaArgs")));
                            metadataFiles++;
                        } else if (CONFIG_FILES.containsKey(fileName)) {
                            builderArgs.add("-H:" + CONFIG_FILES.get(fileName) + "=" + resource);
                            metadataFiles++;
                        }
                    }
                }
            }
            return new NativeSources(imageName, manifest.getValue("Main-Class"), classpath, javaArgs, builderArgs, metadataFiles);
        }

        private static List<String> words(String value) {
            return value == null || value.isBlank() ? List.of() : List.of(value.trim().split("\\s+"));
        }
    }

    /**
     * The driver's API options that arcfleet's native sources use, as the builder options their @APIOption
     * annotations in the svm jar map them to. Any other option stops the check rather than being guessed at.
     */
    static final class ApiOptions {
        private static final Map<String, String> WITH_VALUE = Map.of(
                "--features", "Features",
                "--enable-url-protocols", "EnableURLProtocols",
                "--enable-monitoring", "EnableMonitoringFeatures",
                "--enable-native-access", "EnableNativeAccess");

        static List<String> translate(String arg) {
            String[] kv = arg.split("=", 2);
            String value = kv.length == 2 ? kv[1] : "";
            return switch (kv[0]) {
                case "--no-fallback" -> List.of("-H:FallbackThreshold=0");
                case "--link-at-build-time" -> List.of("-H:LinkAtBuildTime=" + value);
                case "--initialize-at-run-time" -> List.of("-H:ClassInitialization=" + initialization(value, "run_time"));
                case "--initialize-at-build-time" -> List.of("-H:ClassInitialization=" + initialization(value, "build_time"));
                default -> {
                    if (!WITH_VALUE.containsKey(kv[0]) || kv.length != 2) {
                        throw new IllegalStateException("native-image option this check does not know: " + arg);
                    }
                    yield List.of("-H:" + WITH_VALUE.get(kv[0]) + "=" + value);
                }
            };
        }

        private static String initialization(String classes, String when) {
            return Arrays.stream(classes.split(",")).map(c -> c + ":" + when).collect(Collectors.joining(","));
        }
    }

    /**
     * The --add-exports the builder modules need: every JDK package their classes refer to that its module
     * does not export to them. The driver has this list precomputed (from suite.py's requiresConcealed);
     * here it is read off the class files, so it follows the jars' version.
     */
    static final class ModuleExports {
        static List<String> needed(List<Path> jars, Set<String> builderModules) throws IOException {
            Map<String, ModuleDescriptor> jdkPackages = new HashMap<>();
            for (ModuleReference module : ModuleFinder.ofSystem().findAll()) {
                if (!builderModules.contains(module.descriptor().name())) {
                    module.descriptor().packages().forEach(p -> jdkPackages.put(p, module.descriptor()));
                }
            }
            Map<String, Set<String>> targets = new TreeMap<>();
            for (ModuleReference module : ModuleFinder.of(jars.toArray(Path[]::new)).findAll()) {
                String name = module.descriptor().name();
                for (String pkg : referencedPackages(Path.of(module.location().orElseThrow()))) {
                    ModuleDescriptor owner = jdkPackages.get(pkg);
                    if (owner != null && !exported(owner, pkg, name)) {
                        targets.computeIfAbsent(owner.name() + "/" + pkg, k -> new TreeSet<>()).add(name);
                    }
                }
            }
            return targets.entrySet().stream()
                    .map(e -> "--add-exports=" + e.getKey() + "=" + String.join(",", e.getValue()))
                    .toList();
        }

        private static boolean exported(ModuleDescriptor owner, String pkg, String to) {
            return owner.exports().stream().anyMatch(e -> e.source().equals(pkg) && (!e.isQualified() || e.targets().contains(to)));
        }

        private static Set<String> referencedPackages(Path jar) throws IOException {
            Set<String> packages = new TreeSet<>();
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                for (var entry : zip.stream().filter(e -> e.getName().endsWith(".class")).toList()) {
                    byte[] bytes;
                    try (InputStream in = zip.getInputStream(entry)) {
                        bytes = in.readAllBytes();
                    }
                    for (var constant : ClassFile.of().parse(bytes).constantPool()) {
                        if (constant instanceof ClassEntry c && !c.asInternalName().startsWith("[")) {
                            String name = c.asInternalName();
                            int slash = name.lastIndexOf('/');
                            if (slash > 0) {
                                packages.add(name.substring(0, slash).replace('/', '.'));
                            }
                        }
                    }
                }
            }
            return packages;
        }
    }

    /**
     * The headers of GraalVM's libchelper whose structs and constants the builder measures with the C compiler
     * (@CStruct, @CField, @CConstant). GraalVM ships them in its JDK, not on Maven Central, so they are written
     * from the Java declarations in the svm sources jar. They serve the build-time queries only: a linked
     * executable must use libchelper's own headers and library.
     */
    static final class CHeaders {
        private static final Pattern HEADER = Pattern.compile(
                "ProjectHeaderFile\\.resolve\\(\"com\\.oracle\\.svm\\.native\\.libchelper\", \"include/([\\w.]+)\"\\)");
        private static final Pattern STRUCT = Pattern.compile(
                "@CStruct(?:\\((?:value\\s*=\\s*)?(?:\"(\\w+)\")?\\))?\\s+(?:@\\w+(?:\\([^)]*\\))?\\s+)*(?:public\\s+)?interface\\s+(\\w+)[^{]*\\{(.*?)\\n    \\}",
                Pattern.DOTALL);
        private static final Pattern FIELD = Pattern.compile(
                "@CField(?:\\((?:value\\s*=\\s*)?(?:\"(\\w+)\")?\\))?\\s+(?:@\\w+\\s+)*([\\w.]+)\\s+(\\w+)\\(\\)");
        private static final Pattern CONSTANT = Pattern.compile("@CConstant\\s+(?:\\w+\\s+)*int\\s+(\\w+)\\(\\)");

        static int write(Path svmSources, Path include) throws IOException {
            Files.createDirectories(include);
            Map<String, String> sources = new HashMap<>();
            try (ZipFile zip = new ZipFile(svmSources.toFile())) {
                for (var entry : zip.stream().filter(e -> e.getName().endsWith(".java")).toList()) {
                    try (InputStream in = zip.getInputStream(entry)) {
                        sources.put(entry.getName(), new String(in.readAllBytes()));
                    }
                }
            }
            int written = 0;
            for (var directives : sources.entrySet()) {
                Matcher header = HEADER.matcher(directives.getValue());
                if (!header.find()) {
                    continue;
                }
                String file = directives.getKey();
                String directivesClass = file.substring(file.lastIndexOf('/') + 1, file.length() - ".java".length());
                String pkg = file.substring(0, file.lastIndexOf('/') + 1);
                StringBuilder c = new StringBuilder("/* Written by native/BuilderInvocation.java from the svm sources jar, for build-time queries. */\n")
                        .append("#include <stdint.h>\n");
                int declarations = 0;
                for (var user : sources.entrySet()) {
                    if (user.getKey().startsWith(pkg) && user.getKey().indexOf('/', pkg.length()) < 0
                            && user.getValue().contains("@CContext(" + directivesClass + ".class)")) {
                        declarations += declare(user.getValue(), c);
                    }
                }
                if (declarations == 0) {
                    throw new IllegalStateException("nothing to declare in " + header.group(1) + " from " + file);
                }
                Files.writeString(include.resolve(header.group(1)), c);
                written++;
            }
            return written;
        }

        private static int declare(String source, StringBuilder c) {
            int declarations = 0;
            Matcher constant = CONSTANT.matcher(source);
            while (constant.find()) {
                c.append("#define ").append(constant.group(1)).append(' ').append(++declarations).append('\n');
            }
            Matcher struct = STRUCT.matcher(source);
            while (struct.find()) {
                c.append("typedef struct {\n");
                Matcher field = FIELD.matcher(struct.group(3));
                while (field.find()) {
                    c.append("  ").append(cType(field.group(2))).append(' ')
                            .append(field.group(1) != null ? field.group(1) : field.group(3)).append(";\n");
                }
                c.append("} ").append(struct.group(1) != null ? struct.group(1) : struct.group(2)).append(";\n");
                declarations++;
            }
            return declarations;
        }

        private static String cType(String javaType) {
            return switch (javaType) {
                case "boolean", "byte" -> "uint8_t";
                case "short" -> "int16_t";
                case "int" -> "int32_t";
                case "long" -> "int64_t";
                case "CCharPointer" -> "char *";
                default -> "void *";
            };
        }
    }
}
