// Bitcoin Core's start-up options in minicashd's option handling: bitcoin.conf as the
// fallback configuration file, includeconf, the options minicashd lacks (accepted with a
// warning or refused), -testactivationheight, -minimumchainwork, -acceptnonstdtxn and
// -uacomment, with Core's messages.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "app/app_options.h"
#include "app/chain_options.h"
#include "app/core_compat_options.h"
#include "app/net_setup.h"
#include "test/util/temp_dir.h"

namespace minicash::app {
namespace {

NodeOptions make() {
    NodeOptions o("minicashd", "test");
    add_daemon_options(o);
    add_net_options(o);
    add_chain_options(o);
    add_core_compat_options(o);
    // The RPC server's options live with minicashd (app/rpc_setup.cpp), not linked here.
    o.ignore_in_config({"rpcport", "rpcservertimeout", "server"});
    return o;
}

void write(const std::filesystem::path& p, const std::string& text) {
    std::ofstream f(p);
    f << text;
}

// Parses `args` (after the program name) with -datadir=<dir>; applies the chain options.
NodeOptions parse(const std::filesystem::path& dir, std::vector<std::string> args) {
    NodeOptions o = make();
    args.insert(args.begin(), "-datadir=" + dir.string());
    std::vector<const char*> argv{"minicashd"};
    for (const std::string& a : args) argv.push_back(a.c_str());
    o.parse(int(argv.size()), argv.data());
    apply_chain_options(o);
    return o;
}

std::string error_of(const std::filesystem::path& dir, const std::vector<std::string>& args) {
    try {
        NodeOptions o = parse(dir, args);
        check_core_compat_options(o);
        (void)read_require_standard(o);
    } catch (const OptionError& e) { return e.what(); }
    return "";
}

bool has_warning(const NodeOptions& o, const std::string& part) {
    for (const std::string& w : o.warnings())
        if (w.find(part) != std::string::npos) return true;
    return false;
}

// What Bitcoin Core's functional test framework writes (test_framework/util.py).
const char* kFrameworkConf =
    "regtest=1\n[regtest]\nport=18444\nrpcport=18443\nrpcservertimeout=99000\nrpcdoccheck=1\n"
    "fallbackfee=0.0002\nserver=1\nkeypool=1\ndiscover=0\ndnsseed=0\nfixedseeds=0\nlistenonion=0\n"
    "peertimeout=999999999\nprinttoconsole=0\nnatpmp=0\nshrinkdebugfile=0\ndeprecatedrpc=create_bdb\n"
    "unsafesqlitesync=1\nconnect=0\nmaxconnections=30\n";

TEST(CoreOptions, BitcoinConfIsReadWithoutMinicashConf) {
    const test::TempDir tmp("coreopt");
    write(tmp.path() / "bitcoin.conf", kFrameworkConf);
    NodeOptions o = parse(tmp.path(), {});
    EXPECT_EQ(o.params().network, Network::REGTEST);
    EXPECT_EQ(o.config_path().filename().string(), "bitcoin.conf");
    EXPECT_EQ(o.get_int("peertimeout"), 999999999);
    check_core_compat_options(o);
    EXPECT_TRUE(has_warning(o, "-fallbackfee ignored: minicashd has no built-in wallet")) << o.warnings().size();
    EXPECT_TRUE(has_warning(o, "-keypool ignored"));
    EXPECT_TRUE(has_warning(o, "-natpmp accepted with its default value"));
    // With both files, minicash.conf is the one read.
    write(tmp.path() / "minicash.conf", "regtest=1\n");
    EXPECT_EQ(parse(tmp.path(), {}).config_path().filename().string(), "minicash.conf");
    // -conf names either.
    EXPECT_EQ(parse(tmp.path(), {"-conf=bitcoin.conf"}).config_path().filename().string(), "bitcoin.conf");
}

TEST(CoreOptions, IncludeConf) {
    const test::TempDir tmp("coreopt");
    write(tmp.path() / "bitcoin.conf", "regtest=1\n[regtest]\nincludeconf=more.conf\n");
    write(tmp.path() / "more.conf", "uacomment=included\nincludeconf=again.conf\n");
    NodeOptions o = parse(tmp.path(), {});
    EXPECT_EQ(o.get_list("uacomment"), std::vector<std::string>{"included"});
    EXPECT_TRUE(has_warning(o, "-includeconf cannot be used from included files; ignoring -includeconf=again.conf"));
    EXPECT_EQ(error_of(tmp.path(), {"-includeconf=more.conf"}),
              "-includeconf cannot be used from commandline; -includeconf=more.conf");
    write(tmp.path() / "bitcoin.conf", "regtest=1\nincludeconf=missing.conf\n");
    EXPECT_EQ(error_of(tmp.path(), {}), "Failed to include configuration file missing.conf");
}

TEST(CoreOptions, TestActivationHeight) {
    const test::TempDir tmp("coreopt");
    NodeOptions o = parse(tmp.path(), {"-regtest", "-testactivationheight=segwit@432", "-testactivationheight=csv@12",
                                       "-testactivationheight=bip34@2", "-testactivationheight=dersig@3",
                                       "-testactivationheight=cltv@4"});
    EXPECT_EQ(o.params().consensus.segwit_height, 432);
    EXPECT_EQ(o.params().consensus.csv_height, 12);
    EXPECT_EQ(o.params().consensus.bip34_height, 2);
    EXPECT_EQ(o.params().consensus.bip66_height, 3);
    EXPECT_EQ(o.params().consensus.bip65_height, 4);
    EXPECT_EQ(error_of(tmp.path(), {"-regtest", "-testactivationheight=segwit@x"}),
              "Invalid height value (segwit@x) for -testactivationheight=name@height.");
    EXPECT_EQ(error_of(tmp.path(), {"-regtest", "-testactivationheight=segwit@-1"}),
              "Invalid height value (segwit@-1) for -testactivationheight=name@height.");
    EXPECT_EQ(error_of(tmp.path(), {"-regtest", "-testactivationheight=taproot@1"}),
              "Invalid name (taproot@1) for -testactivationheight=name@height.");
    EXPECT_EQ(error_of(tmp.path(), {"-regtest", "-testactivationheight=segwit"}),
              "Invalid format (segwit) for -testactivationheight=name@height.");
}

TEST(CoreOptions, MinimumChainWorkAndNonStandard) {
    const test::TempDir tmp("coreopt");
    NodeOptions o = parse(tmp.path(), {"-regtest", "-minimumchainwork=0x100"});
    EXPECT_EQ(o.params().consensus.minimum_chain_work.to_hex(), std::string(61, '0') + "100");
    EXPECT_EQ(error_of(tmp.path(), {"-regtest", "-minimumchainwork=xyz"}),
              "Invalid minimum work specified (xyz), must be up to 64 hex digits");
    EXPECT_EQ(error_of(tmp.path(), {"-acceptnonstdtxn"}), "acceptnonstdtxn is not currently supported for main chain");
    EXPECT_FALSE(read_require_standard(parse(tmp.path(), {"-regtest", "-acceptnonstdtxn"})));
    EXPECT_TRUE(read_require_standard(parse(tmp.path(), {"-regtest"})));
}

TEST(CoreOptions, AbsentFeaturesAcceptTheDefaultOnly) {
    const test::TempDir tmp("coreopt");
    NodeOptions o = parse(tmp.path(), {"-regtest", "-blocksxor=0", "-peerbloomfilters=0", "-disablewallet"});
    check_core_compat_options(o);
    EXPECT_TRUE(has_warning(o, "-blocksxor accepted with its default value"));
    EXPECT_TRUE(has_warning(o, "-disablewallet ignored"));
    EXPECT_EQ(error_of(tmp.path(), {"-regtest", "-blocksxor=1"}),
              "-blocksxor=1 is not supported: block files are not XOR-obfuscated");
    EXPECT_EQ(error_of(tmp.path(), {"-regtest", "-peerbloomfilters"}),
              "-peerbloomfilters=1 is not supported: BIP37 bloom filters are not served");
    EXPECT_EQ(error_of(tmp.path(), {"-regtest", "-natpmp=1"}),
              "-natpmp=1 is not supported: ports are not mapped (no PCP/NAT-PMP client)");
    // Malformed values and unknown names are errors, whatever the option's state.
    EXPECT_NE(error_of(tmp.path(), {"-regtest", "-keypool=many"}), "");
    EXPECT_NE(error_of(tmp.path(), {"-regtest", "-natpmp=maybe"}), "");
    EXPECT_EQ(error_of(tmp.path(), {"-regtest", "-nosuchoption"}), "unknown option -nosuchoption");
}

TEST(CoreOptions, EachOptionIsRegisteredOnce) {
    // make() registers the compatibility table after the options minicashd implements: no
    // name of the table may be one of them (minicashd itself is checked by starting it).
    EXPECT_NO_THROW((void)make());
    NodeOptions o = make();
    EXPECT_THROW(o.add_bool("blocksxor", "again"), std::logic_error);
    EXPECT_THROW(o.add_list("whitelist", "again", "again"), std::logic_error);
}

TEST(CoreOptions, UserAgentComments) {
    EXPECT_EQ(user_agent_with_comments("/minicash:0.1.0/", {}), "/minicash:0.1.0/");
    EXPECT_EQ(user_agent_with_comments("/minicash:0.1.0/", {"testnode0"}), "/minicash:0.1.0(testnode0)/");
    EXPECT_EQ(user_agent_with_comments("/minicash:0.1.0/", {"a", "b c"}), "/minicash:0.1.0(a; b c)/");
    try {
        (void)user_agent_with_comments("/minicash:0.1.0/", {"bad/comment"});
        ADD_FAILURE() << "unsafe characters accepted";
    } catch (const OptionError& e) {
        EXPECT_STREQ(e.what(), "User Agent comment (bad/comment) contains unsafe characters.");
    }
    try {
        (void)user_agent_with_comments("/minicash:0.1.0/", {std::string(300, 'a')});
        ADD_FAILURE() << "too long accepted";
    } catch (const OptionError& e) {
        EXPECT_NE(std::string(e.what()).find("exceeds maximum length (256)"), std::string::npos) << e.what();
    }
}

TEST(CoreOptions, ConnectZeroListensOnlyWithBind) {
    const test::TempDir tmp("coreopt");
    // Core: -connect (also =0) turns listening off unless -bind/-whitebind or -listen say otherwise.
    EXPECT_FALSE(read_net_settings(parse(tmp.path(), {"-regtest", "-connect=0"}), tmp.path()).connman.listen);
    const NetSettings with_bind =
        read_net_settings(parse(tmp.path(), {"-regtest", "-connect=0", "-bind=127.0.0.1:18444"}), tmp.path());
    EXPECT_TRUE(with_bind.connman.listen);
    EXPECT_TRUE(with_bind.connman.connect_only);
    EXPECT_TRUE(with_bind.connman.connect.empty());
    EXPECT_FALSE(with_bind.connman.dnsseed);
    EXPECT_TRUE(read_net_settings(parse(tmp.path(), {"-regtest", "-connect=0", "-listen"}), tmp.path()).connman.listen);
}

}  // namespace
}  // namespace minicash::app
