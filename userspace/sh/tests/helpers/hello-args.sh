#!/bin/hello -x
