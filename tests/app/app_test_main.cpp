// Shared main of test_app: a QApplication on the offscreen platform (hotspot's testutils do the
// same), settings isolated from the user's, then GoogleTest.
#include <QApplication>
#include <QStandardPaths>

#include <gtest/gtest.h>

#include "app/app_test_util.h"

int main(int argc, char** argv) {
    if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QStandardPaths::setTestModeEnabled(true);
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("MoEScopeTests"));
    QApplication::setApplicationName(QStringLiteral("test_app"));
    moe::test::installModelTesterMessageHandler();
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
