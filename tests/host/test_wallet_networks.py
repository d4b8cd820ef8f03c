"""Addresses of another network are refused by name ("this is a testnet address; the wallet
is on mainnet"), not as a decoding error; addresses are made by embit, not by the project."""
import hashlib

import pytest
from embit import script as embit_script
from embit.ec import PrivateKey as EmbitKey
from embit.networks import NETWORKS as EMBIT_NETS

from bioshard_card.btc.address import address_to_script
from bioshard_card.btc.address_net import address_network
from bioshard_card.btc.errors import PSBTError

from test_btc_host import DESC, main

KEY = EmbitKey(hashlib.sha256(b"bioshard network test").digest()).get_public_key()
EMBIT = {"main": EMBIT_NETS["main"], "test": EMBIT_NETS["test"], "signet": EMBIT_NETS["signet"],
         "regtest": EMBIT_NETS["regtest"]}
NAMES = {"main": "mainnet", "test": "testnet", "signet": "signet", "regtest": "regtest"}


def _addresses(net):
    n = EMBIT[net]
    return {
        "p2tr": embit_script.p2tr(KEY).address(n),
        "p2wpkh": embit_script.p2wpkh(KEY).address(n),
        "p2pkh": embit_script.p2pkh(KEY).address(n),
        "p2sh": embit_script.p2sh(embit_script.p2wpkh(KEY)).address(n),
    }


@pytest.mark.parametrize("net", list(EMBIT))
def test_own_network_addresses_decode_to_embits_script(net):
    for kind, addr in _addresses(net).items():
        spk = getattr(embit_script, kind)(KEY) if kind != "p2sh" else embit_script.p2sh(embit_script.p2wpkh(KEY))
        assert address_to_script(addr, net) == spk.data, (net, kind)
        assert embit_script.address_to_scriptpubkey(addr).data == spk.data


def test_testnet_address_on_a_mainnet_wallet_is_named():
    addr = _addresses("test")["p2tr"]
    with pytest.raises(PSBTError) as e:
        address_to_script(addr, "main")
    assert str(e.value) == "this is a testnet or signet address; the wallet is on mainnet"


@pytest.mark.parametrize("wallet_net", list(EMBIT))
@pytest.mark.parametrize("addr_net", list(EMBIT))
def test_every_cross_network_segwit_address_is_refused_by_name(wallet_net, addr_net):
    for kind in ("p2tr", "p2wpkh"):
        addr = _addresses(addr_net)[kind]
        same_hrp = EMBIT[wallet_net]["bech32"] == EMBIT[addr_net]["bech32"]
        if same_hrp:
            address_to_script(addr, wallet_net)
            continue
        with pytest.raises(PSBTError) as e:
            address_to_script(addr, wallet_net)
        msg = str(e.value)
        assert msg.startswith("this is a ") and msg.endswith("the wallet is on %s" % NAMES[wallet_net])
        assert "base58" not in msg


def test_legacy_mainnet_address_on_a_test_wallet():
    for kind in ("p2pkh", "p2sh"):
        with pytest.raises(PSBTError, match="this is a mainnet address; the wallet is on regtest"):
            address_to_script(_addresses("main")[kind], "regtest")
        with pytest.raises(PSBTError, match="this is a testnet, signet or regtest address; the wallet is on mainnet"):
            address_to_script(_addresses("test")[kind], "main")


def test_address_network_names():
    assert address_network(_addresses("regtest")["p2tr"]) == "regtest"
    assert address_network(_addresses("main")["p2wpkh"]) == "mainnet"
    assert address_network("not an address") is None


def test_cli_names_the_network(capsys):
    tb = _addresses("test")["p2tr"]
    from bioshard.wallet.descriptor import Descriptor

    own = Descriptor(DESC).address(network="main")
    assert main(["wallet", "psbt", "--descriptor", DESC, "--network", "main", "--utxo", "ab" * 32 + ":0:0.001",
                 "--to", tb + ":0.0005"]) == 7
    err = capsys.readouterr().err
    assert "this is a testnet or signet address; the wallet is on mainnet" in err
    assert "base58" not in err
    assert main(["wallet", "psbt", "--descriptor", DESC, "--network", "main", "--utxo", "ab" * 32 + ":0:0.001",
                 "--to", own + ":0.0005", "--change", "0.00049"]) == 0
