import argparse
parser = argparse.ArgumentParser()
parser.add_argument("--out_dir", default="run_0")
HIDDEN = 16
LR = 0.01
EPOCHS = 200
SEEDS = [0, 1, 2, 3, 4]
