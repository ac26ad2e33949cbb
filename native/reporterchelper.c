/*
 * The two native methods of GraalVM's com.oracle.svm.hosted.ProgressReporterCHelper, which the image builder
 * loads from <java.home>/lib/svm/builder/lib. GraalVM ships this library in its JDK; Maven Central has only the
 * builder's jars, so native-image-check.sh compiles it. The builder prints its peak RSS with it.
 */
#include <jni.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

JNIEXPORT jint JNICALL Java_com_oracle_svm_hosted_ProgressReporterCHelper_getTerminalWindowColumns0(JNIEnv *env, jclass cls) {
    struct winsize size;
    return ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 ? size.ws_col : -1;
}

JNIEXPORT jlong JNICALL Java_com_oracle_svm_hosted_ProgressReporterCHelper_getPeakRSS0(JNIEnv *env, jclass cls) {
    struct rusage usage;
    /* Linux reports ru_maxrss in KiB. */
    return getrusage(RUSAGE_SELF, &usage) == 0 ? (jlong) usage.ru_maxrss * 1024 : -1;
}
